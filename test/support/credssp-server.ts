// A CredSSP server (MS-CSSP 3.1.5) with an NTLMv2 acceptor (MS-NLMP 3.2.5), in memory, for tests of
// the client's whole exchange: it checks the NTLMv2 response against a known password, the MIC and
// the client's public-key proof, answers with its own proof (v5+ hash, v2–v4 SPK+1), unseals the
// credentials the client delivers and, for HYBRID_EX, sends the Early User Authorization Result.
// Knobs make it misbehave the ways a test needs (another TLS key, a refusal, a given result).
import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { derMessageLength } from '../../protocols/rdp/nla/der-frame.ts';
import { hmacMd5, ntowfv2, sessionKeys } from '../../protocols/rdp/nla/ntlm-crypto.ts';
import { MIC_OFFSET } from '../../protocols/rdp/nla/ntlm-messages.ts';
import { NtlmSession } from '../../protocols/rdp/nla/ntlm-security.ts';
import { rc4 } from '../../protocols/rdp/nla/rc4.ts';
import {
  decodePasswordCredentials,
  decodeTsRequest,
  encodeTsRequest,
} from '../../protocols/rdp/nla/ts-request.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SERVER_CHALLENGE = hex('0123456789abcdef');
/** The CHALLENGE of MS-NLMP 4.2.4.3 (flags 0xe28a8233: sealing, 128-bit, key exchange). */
const CHALLENGE = hex(`
  4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
  24002400 44000000 060070170000000f
  530065007200760065007200
  02000c0044006f006d00610069006e00 01000c0053006500720076006500720000000000
`);

export interface FakeCredsspServerOptions {
  password: string;
  /** The TSRequest version the server speaks (default 6). */
  version?: number;
  /** The public key the server proves (default `publicKey`: pass another to play a machine in the middle). */
  provesKey?: Buffer;
  publicKey: Buffer;
  /** HYBRID_EX: the Early User Authorization Result to send (undefined: HYBRID, nothing sent). */
  earlyResult?: number;
  /** The NTSTATUS to answer a wrong password with (default STATUS_LOGON_FAILURE). */
  refusalStatus?: number;
}

export interface FakeCredsspServer {
  /** The client's end. */
  stream: Duplex;
  /** What the server learnt: the MIC checked, the credentials unsealed. */
  readonly state: {
    micVerified: boolean;
    credentials?: { domain: string; user: string; password: string };
    clientMessages: number;
  };
}

function field(m: Buffer, at: number): Buffer {
  const len = m.readUInt16LE(at);
  const off = m.readUInt32LE(at + 4);
  return m.subarray(off, off + len);
}

export function fakeCredsspServer(o: FakeCredsspServerOptions): FakeCredsspServer {
  const version = o.version ?? 6;
  const state: FakeCredsspServer['state'] = { micVerified: false, clientMessages: 0 };
  let pending = Buffer.alloc(0);
  let negotiate: Buffer | undefined;
  let session: NtlmSession | undefined;
  let nonce: Buffer | undefined;
  const send = (b: Buffer) => stream.push(b);

  const onMessage = (der: Buffer) => {
    state.clientMessages++;
    const r = decodeTsRequest(der);
    if (!negotiate) {
      negotiate = r.negoTokens![0]!;
      return send(encodeTsRequest({ version, negoTokens: [CHALLENGE] }));
    }
    if (!session) {
      const auth = r.negoTokens![0]!;
      const nt = field(auth, 20);
      const domain = field(auth, 28).toString('utf16le');
      const user = field(auth, 36).toString('utf16le');
      const key = ntowfv2(o.password, user, domain);
      const proof = nt.subarray(0, 16);
      if (!hmacMd5(key, SERVER_CHALLENGE, nt.subarray(16)).equals(proof))
        return send(encodeTsRequest({ version, errorCode: o.refusalStatus ?? 0xc000006d }));
      const exported = Buffer.from(rc4(hmacMd5(key, proof), field(auth, 52)));
      const zeroed = Buffer.from(auth);
      zeroed.fill(0, MIC_OFFSET, MIC_OFFSET + 16);
      state.micVerified = hmacMd5(exported, negotiate, CHALLENGE, zeroed).equals(
        auth.subarray(MIC_OFFSET, MIC_OFFSET + 16),
      );
      const keys = sessionKeys(exported);
      // The acceptor seals with the server-to-client keys and verifies with the client-to-server ones.
      session = new NtlmSession({ client: keys.server, server: keys.client });
      const clientProof = session.unwrap(r.pubKeyAuth!);
      const spk = o.provesKey ?? o.publicKey;
      let answer: Buffer;
      if (version >= 5) {
        nonce = r.clientNonce!;
        const expected = createHash('sha256')
          .update('CredSSP Client-To-Server Binding Hash\0')
          .update(nonce)
          .update(o.publicKey)
          .digest();
        if (!clientProof.equals(expected)) throw new Error('the client bound another key');
        answer = createHash('sha256')
          .update('CredSSP Server-To-Client Binding Hash\0')
          .update(nonce)
          .update(spk)
          .digest();
      } else {
        if (!clientProof.equals(o.publicKey)) throw new Error('the client bound another key');
        answer = Buffer.from(spk);
        answer[0] = (answer[0]! + 1) & 0xff;
      }
      return send(encodeTsRequest({ version, pubKeyAuth: session.wrap(answer) }));
    }
    state.credentials = decodePasswordCredentials(session.unwrap(r.authInfo!));
    if (o.earlyResult !== undefined) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(o.earlyResult);
      send(b);
    }
  };

  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      pending = Buffer.concat([pending, chunk]);
      for (
        let n = derMessageLength(pending);
        n !== undefined && pending.length >= n;
        n = derMessageLength(pending)
      ) {
        const msg = pending.subarray(0, n);
        pending = pending.subarray(n);
        onMessage(Buffer.from(msg));
        if (!pending.length) break;
      }
      cb();
    },
  });
  return { stream, state };
}
