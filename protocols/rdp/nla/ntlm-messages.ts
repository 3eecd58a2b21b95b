// NTLM message encoding and parsing (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE, AUTHENTICATE and the
// AV pairs of the target information (2.2.2.1). Every field a server sends is bounds-checked, so a
// hostile CHALLENGE ends in NtlmFormatError, never in a read past the message.

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

export const Flags = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

/** What the client asks for: Unicode, signing and sealing with 128-bit keys, NTLMv2 session security, key exchange. */
export const CLIENT_FLAGS =
  (Flags.UNICODE |
    Flags.REQUEST_TARGET |
    Flags.SIGN |
    Flags.SEAL |
    Flags.NTLM |
    Flags.ALWAYS_SIGN |
    Flags.EXTENDED_SESSIONSECURITY |
    Flags.TARGET_INFO |
    Flags.VERSION |
    Flags.N128 |
    Flags.KEY_EXCH |
    Flags.N56) >>>
  0;

/** AV pair ids used here (MS-NLMP 2.2.2.1). */
export const AvId = {
  EOL: 0,
  NbComputerName: 1,
  NbDomainName: 2,
  Flags: 6,
  Timestamp: 7,
} as const;

/** MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x00000002;

/** Product version sent in the VERSION field: informational only (MS-NLMP 2.2.2.10); 6.1 build 7601, NTLM revision 15. */
const VERSION = Buffer.from([6, 1, 0xb1, 0x1d, 0, 0, 0, 0x0f]);

export class NtlmFormatError extends Error {}

export interface AvPair {
  id: number;
  value: Buffer;
}

export function encodeNegotiate(flags = CLIENT_FLAGS): Buffer {
  const m = Buffer.alloc(40);
  SIGNATURE.copy(m, 0);
  m.writeUInt32LE(1, 8);
  m.writeUInt32LE(flags >>> 0, 12);
  // Domain and workstation fields stay empty (length 0, offset 40): the client names no domain here.
  m.writeUInt32LE(40, 20);
  m.writeUInt32LE(40, 28);
  VERSION.copy(m, 32);
  return m;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: AvPair[];
  /** The raw target information, as sent. */
  targetInfoBytes: Buffer;
}

function field(m: Buffer, at: number, what: string): Buffer {
  if (at + 8 > m.length) throw new NtlmFormatError(`NTLM message too short for its ${what} field`);
  const len = m.readUInt16LE(at);
  const off = m.readUInt32LE(at + 4);
  if (off > m.length || len > m.length - off)
    throw new NtlmFormatError(`NTLM ${what} field points outside the message`);
  return m.subarray(off, off + len);
}

export function parseAvPairs(b: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  for (;;) {
    if (at + 4 > b.length) throw new NtlmFormatError('NTLM target information has no end marker');
    const id = b.readUInt16LE(at);
    const len = b.readUInt16LE(at + 2);
    if (at + 4 + len > b.length) throw new NtlmFormatError('NTLM AV pair runs past the target information');
    if (id === AvId.EOL) return pairs;
    pairs.push({ id, value: b.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
}

export function encodeAvPairs(pairs: AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of [...pairs, { id: AvId.EOL, value: Buffer.alloc(0) }]) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(p.id, 0);
    head.writeUInt16LE(p.value.length, 2);
    parts.push(head, p.value);
  }
  return Buffer.concat(parts);
}

export function parseChallenge(m: Buffer): Challenge {
  if (m.length < 48 || !m.subarray(0, 8).equals(SIGNATURE) || m.readUInt32LE(8) !== 2)
    throw new NtlmFormatError('not an NTLM CHALLENGE message');
  const flags = m.readUInt32LE(20);
  const targetInfoBytes = Buffer.from(field(m, 40, 'target information'));
  return {
    flags,
    serverChallenge: Buffer.from(m.subarray(24, 32)),
    targetInfo: (flags & Flags.TARGET_INFO) !== 0 ? parseAvPairs(targetInfoBytes) : [],
    targetInfoBytes,
  };
}

export interface AuthenticateFields {
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
  /** Reserve the 16-byte MIC field (filled in afterwards with `setMic`). */
  withMic: boolean;
}

/** Offset of the MIC in an AUTHENTICATE message that has the VERSION field (MS-NLMP 2.2.1.3). */
export const MIC_OFFSET = 72;

export function encodeAuthenticate(a: AuthenticateFields): Buffer {
  const header = a.withMic ? 88 : 72;
  const payloads = [
    a.lmChallengeResponse,
    a.ntChallengeResponse,
    Buffer.from(a.domain, 'utf16le'),
    Buffer.from(a.user, 'utf16le'),
    Buffer.from(a.workstation, 'utf16le'),
    a.encryptedRandomSessionKey,
  ];
  const m = Buffer.alloc(header + payloads.reduce((n, p) => n + p.length, 0));
  SIGNATURE.copy(m, 0);
  m.writeUInt32LE(3, 8);
  let off = header;
  payloads.forEach((p, i) => {
    if (p.length > 0xffff) throw new NtlmFormatError('NTLM AUTHENTICATE field too long');
    const at = 12 + i * 8;
    m.writeUInt16LE(p.length, at);
    m.writeUInt16LE(p.length, at + 2);
    m.writeUInt32LE(off, at + 4);
    p.copy(m, off);
    off += p.length;
  });
  m.writeUInt32LE(a.flags >>> 0, 60);
  VERSION.copy(m, 64);
  return m;
}

export function setMic(authenticate: Buffer, mic: Buffer): void {
  mic.copy(authenticate, MIC_OFFSET);
}
