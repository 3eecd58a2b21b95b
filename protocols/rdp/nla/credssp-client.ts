// The CredSSP client (MS-CSSP 3.1.5) over an established TLS stream, with NTLMv2 inside:
//   1. → TSRequest{negoTokens: NEGOTIATE}          ← TSRequest{negoTokens: CHALLENGE}
//   2. → TSRequest{negoTokens: AUTHENTICATE, pubKeyAuth, clientNonce}
//                                                   ← TSRequest{pubKeyAuth} (or an errorCode)
//   3. → TSRequest{authInfo: sealed TSCredentials}
//   4. HYBRID_EX only: ← Early User Authorization Result (4 bytes, MS-RDPBCGR 2.2.10.2)
// pubKeyAuth binds the exchange to the TLS key. From version 5 on it is a SHA-256 over a magic
// string, a fresh client nonce and the key, and the server answers with its own hash; versions
// 2–4 seal the key itself and the server echoes it with its first byte plus one. The password is
// only ever sent (sealed) after the server has proved it holds the same NTLM session keys and the
// same TLS key, so a man in the middle with another certificate learns nothing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { NlaMessageReader, type NlaTimers } from './message-reader.ts';
import { NtlmClient, type NtlmCredentials } from './ntlm-client.ts';
import { NtlmFormatError } from './ntlm-messages.ts';
import { SealError } from './ntlm-security.ts';
import { CredsspFailure, ntstatusHex, outcomeOfStatus } from './outcomes.ts';
import {
  CREDSSP_VERSION,
  CredsspFormatError,
  decodeTsRequest,
  encodePasswordCredentials,
  encodeTsRequest,
  type TsRequest,
} from './ts-request.ts';

const CLIENT_BINDING = Buffer.from('CredSSP Client-To-Server Binding Hash\0', 'latin1');
const SERVER_BINDING = Buffer.from('CredSSP Server-To-Client Binding Hash\0', 'latin1');
/** Early User Authorization Result values (MS-RDPBCGR 2.2.10.2). */
const AUTHZ_SUCCESS = 0;

export interface CredsspClientOptions {
  credentials: NtlmCredentials;
  /** SubjectPublicKey of the server's TLS certificate (public-key.ts). */
  serverPublicKey: Uint8Array;
  /** The server selected HYBRID_EX: it sends the Early User Authorization Result at the end. */
  hybridEx: boolean;
  randomBytes: (n: number) => Uint8Array;
  now: () => Date;
  timers: NlaTimers;
  /** Time limit for each answer of the server (default 10 s). */
  timeoutMs?: number;
}

export interface CredsspResult {
  /** The TSRequest version both sides used. */
  version: number;
  /** Bytes the server sent after the exchange (normally none), for the RDP layer that follows. */
  rest: Buffer;
}

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Runs CredSSP on `stream`; resolves once the credentials are delivered, else throws CredsspFailure. */
export async function runCredssp(stream: Duplex, o: CredsspClientOptions): Promise<CredsspResult> {
  const reader = new NlaMessageReader(stream, o.timers, o.timeoutMs ?? 10_000);
  try {
    const version = await exchange(stream, reader, o);
    return { version, rest: reader.detach() };
  } catch (e) {
    reader.detach();
    if (e instanceof CredsspFailure) throw e;
    if (e instanceof NtlmFormatError || e instanceof CredsspFormatError || e instanceof SealError)
      throw new CredsspFailure('protocol', e.message);
    throw e;
  }
}

function refusal(r: TsRequest): CredsspFailure | undefined {
  if (r.errorCode === undefined || r.errorCode === 0) return undefined;
  return new CredsspFailure(
    outcomeOfStatus(r.errorCode),
    `the server refused the NLA login (NTSTATUS ${ntstatusHex(r.errorCode)})`,
    r.errorCode,
  );
}

async function exchange(stream: Duplex, reader: NlaMessageReader, o: CredsspClientOptions): Promise<number> {
  const send = (r: TsRequest) => stream.write(encodeTsRequest(r));
  const receive = async () => {
    const r = decodeTsRequest(await reader.nextMessage());
    const refused = refusal(r);
    if (refused) throw refused;
    return r;
  };
  const ntlm = new NtlmClient(o.credentials, { randomBytes: o.randomBytes, now: o.now });

  send({ version: CREDSSP_VERSION, negoTokens: [ntlm.negotiate()] });
  const challenge = await receive();
  const token = challenge.negoTokens?.[0];
  if (!token) throw new CredsspFailure('protocol', 'the server answered NEGOTIATE without a CHALLENGE');
  const version = Math.min(CREDSSP_VERSION, challenge.version);
  if (version < 2) throw new CredsspFailure('protocol', `the server speaks CredSSP version ${version}`);

  const authenticate = ntlm.authenticate(token);
  const spk = Buffer.from(o.serverPublicKey);
  const nonce = version >= 5 ? Buffer.from(o.randomBytes(32)) : undefined;
  const clientProof = nonce ? sha256(CLIENT_BINDING, nonce, spk) : spk;
  send({
    version: CREDSSP_VERSION,
    negoTokens: [authenticate],
    pubKeyAuth: ntlm.session.wrap(clientProof),
    ...(nonce ? { clientNonce: nonce } : {}),
  });

  // A server that checks the password and then simply hangs up (no errorCode: CredSSP v2, or
  // FreeRDP's server) has turned the credentials down: the only thing it had left to say was yes.
  let answer: TsRequest;
  try {
    answer = await receive();
  } catch (e) {
    if (e instanceof CredsspFailure && e.outcome === 'closed')
      throw new CredsspFailure(
        'logon-failure',
        'the server closed the connection after checking the NLA login',
      );
    throw e;
  }
  if (!answer.pubKeyAuth) throw new CredsspFailure('protocol', 'the server did not prove its public key');
  const serverProof = ntlm.session.unwrap(answer.pubKeyAuth);
  const expected = nonce ? sha256(SERVER_BINDING, nonce, spk) : Buffer.from(spk);
  if (!nonce) expected[0] = (expected[0]! + 1) & 0xff;
  if (serverProof.length !== expected.length || !timingSafeEqual(serverProof, expected))
    throw new CredsspFailure(
      'key-binding-mismatch',
      "the server's NLA proof does not match its TLS certificate (a machine in the middle?)",
    );

  send({ version: CREDSSP_VERSION, authInfo: ntlm.session.wrap(encodePasswordCredentials(o.credentials)) });
  if (o.hybridEx) {
    let result: Buffer;
    try {
      result = await reader.nextBytes(4);
    } catch (e) {
      if (e instanceof CredsspFailure && e.outcome === 'closed')
        throw new CredsspFailure(
          'access-denied',
          'the server closed the connection instead of authorizing the user',
        );
      throw e;
    }
    const code = result.readUInt32LE(0);
    if (code !== AUTHZ_SUCCESS)
      throw new CredsspFailure(
        'access-denied',
        `the server did not authorize the user (early result ${code})`,
      );
  }
  return version;
}
