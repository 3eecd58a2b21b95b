// The CredSSP messages (MS-CSSP 2.2.1): TSRequest, TSCredentials and TSPasswordCreds, DER-encoded
// with node-forge's ASN.1 codec. Every field is EXPLICIT-tagged ([n] constructed around the
// universal type). Decoding is strict: a hostile server's bytes end in CredsspFormatError, never in
// an exception of another kind or a read past the message.
import forge from 'node-forge';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

/** The highest TSRequest version this client speaks (v6: the client nonce and binding hashes). */
export const CREDSSP_VERSION = 6;

export class CredsspFormatError extends Error {}

export interface TsRequest {
  version: number;
  negoTokens?: Buffer[];
  authInfo?: Buffer;
  pubKeyAuth?: Buffer;
  /** An NTSTATUS (v3+), unsigned. */
  errorCode?: number;
  clientNonce?: Buffer;
}

const bin = (b: Uint8Array) => Buffer.from(b).toString('binary');
const buf = (s: string) => Buffer.from(s, 'binary');

const seq = (items: Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const tagged = (n: number, inner: Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, [inner]);
const octets = (b: Uint8Array) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(b));
/** DER INTEGER of a 32-bit value; NTSTATUS codes are sent as the signed 32-bit number they are. */
const integer = (n: number) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n | 0).getBytes());

// node-forge takes an options object here (its typings only know the older boolean); a shallow
// maximum depth keeps a hostile message from nesting its way into deep recursion.
const fromDer = asn1.fromDer as unknown as (
  bytes: string,
  o: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean; maxDepth: number },
) => Asn1;

const toDer = (a: Asn1) => buf(asn1.toDer(a).getBytes());

export function encodeTsRequest(r: TsRequest): Buffer {
  const fields: Asn1[] = [tagged(0, integer(r.version))];
  if (r.negoTokens?.length) fields.push(tagged(1, seq(r.negoTokens.map((t) => seq([tagged(0, octets(t))])))));
  if (r.authInfo) fields.push(tagged(2, octets(r.authInfo)));
  if (r.pubKeyAuth) fields.push(tagged(3, octets(r.pubKeyAuth)));
  if (r.errorCode !== undefined) fields.push(tagged(4, integer(r.errorCode)));
  if (r.clientNonce) fields.push(tagged(5, octets(r.clientNonce)));
  return toDer(seq(fields));
}

function parse(der: Uint8Array, what: string): Asn1 {
  try {
    return fromDer(bin(der), { strict: true, parseAllBytes: true, decodeBitStrings: false, maxDepth: 8 });
  } catch {
    throw new CredsspFormatError(`${what} is not valid DER`);
  }
}

function children(a: Asn1, what: string): Asn1[] {
  if (!a.constructed || !Array.isArray(a.value)) throw new CredsspFormatError(`${what} is not a structure`);
  return a.value;
}

function expectSequence(a: Asn1, what: string): Asn1[] {
  if (a.tagClass !== asn1.Class.UNIVERSAL || a.type !== asn1.Type.SEQUENCE)
    throw new CredsspFormatError(`${what} is not a SEQUENCE`);
  return children(a, what);
}

/** The fields of a SEQUENCE of EXPLICIT context tags, by tag number; each tag at most once, in order. */
function taggedFields(items: Asn1[], what: string): Map<number, Asn1> {
  const out = new Map<number, Asn1>();
  let last = -1;
  for (const f of items) {
    if (f.tagClass !== asn1.Class.CONTEXT_SPECIFIC || f.type <= last)
      throw new CredsspFormatError(`${what} has an unexpected field`);
    last = f.type;
    const inner = children(f, what);
    if (inner.length !== 1) throw new CredsspFormatError(`${what} field [${f.type}] is malformed`);
    out.set(f.type, inner[0]!);
  }
  return out;
}

function readOctets(a: Asn1 | undefined, what: string): Buffer | undefined {
  if (!a) return undefined;
  if (a.tagClass !== asn1.Class.UNIVERSAL || a.type !== asn1.Type.OCTETSTRING || typeof a.value !== 'string')
    throw new CredsspFormatError(`${what} is not an OCTET STRING`);
  return buf(a.value);
}

/** An INTEGER as an unsigned 32-bit number (NTSTATUS codes arrive negative or with a leading zero). */
function readUint32(a: Asn1 | undefined, what: string): number | undefined {
  if (!a) return undefined;
  if (a.tagClass !== asn1.Class.UNIVERSAL || a.type !== asn1.Type.INTEGER || typeof a.value !== 'string')
    throw new CredsspFormatError(`${what} is not an INTEGER`);
  const b = buf(a.value);
  if (b.length === 0 || b.length > 5 || (b.length === 5 && b[0] !== 0))
    throw new CredsspFormatError(`${what} does not fit 32 bits`);
  const padded = Buffer.alloc(4, b[0]! & 0x80 && b.length < 5 ? 0xff : 0);
  b.subarray(Math.max(0, b.length - 4)).copy(padded, 4 - Math.min(4, b.length));
  return padded.readUInt32BE(0);
}

export function decodeTsRequest(der: Uint8Array): TsRequest {
  const f = taggedFields(expectSequence(parse(der, 'TSRequest'), 'TSRequest'), 'TSRequest');
  const version = readUint32(f.get(0), 'TSRequest version');
  if (version === undefined || version < 1 || version > 0xff)
    throw new CredsspFormatError('TSRequest has no valid version');
  const r: TsRequest = { version };
  const nego = f.get(1);
  if (nego) {
    r.negoTokens = expectSequence(nego, 'negoTokens').map((item) => {
      const token = readOctets(
        taggedFields(expectSequence(item, 'NegoData'), 'NegoData').get(0),
        'negoToken',
      );
      if (!token) throw new CredsspFormatError('NegoData has no negoToken');
      return token;
    });
  }
  const authInfo = readOctets(f.get(2), 'authInfo');
  if (authInfo) r.authInfo = authInfo;
  const pubKeyAuth = readOctets(f.get(3), 'pubKeyAuth');
  if (pubKeyAuth) r.pubKeyAuth = pubKeyAuth;
  const errorCode = readUint32(f.get(4), 'errorCode');
  if (errorCode !== undefined) r.errorCode = errorCode;
  const clientNonce = readOctets(f.get(5), 'clientNonce');
  if (clientNonce) r.clientNonce = clientNonce;
  return r;
}

/** TSCredentials { credType 1 (password), TSPasswordCreds } with the strings in UTF-16LE. */
export function encodePasswordCredentials(c: { domain: string; user: string; password: string }): Buffer {
  const u16 = (s: string) => octets(Buffer.from(s, 'utf16le'));
  const creds = toDer(seq([tagged(0, u16(c.domain)), tagged(1, u16(c.user)), tagged(2, u16(c.password))]));
  return toDer(seq([tagged(0, integer(1)), tagged(1, octets(creds))]));
}

/** The inverse of encodePasswordCredentials (for tests and for a server side, should one come). */
export function decodePasswordCredentials(der: Uint8Array): {
  domain: string;
  user: string;
  password: string;
} {
  const outer = taggedFields(expectSequence(parse(der, 'TSCredentials'), 'TSCredentials'), 'TSCredentials');
  if (readUint32(outer.get(0), 'credType') !== 1)
    throw new CredsspFormatError('TSCredentials are not a password');
  const inner = readOctets(outer.get(1), 'credentials');
  if (!inner) throw new CredsspFormatError('TSCredentials carry no credentials');
  const f = taggedFields(
    expectSequence(parse(inner, 'TSPasswordCreds'), 'TSPasswordCreds'),
    'TSPasswordCreds',
  );
  const s = (n: number, what: string) => (readOctets(f.get(n), what) ?? Buffer.alloc(0)).toString('utf16le');
  return { domain: s(0, 'domainName'), user: s(1, 'userName'), password: s(2, 'password') };
}
