// The client side of one NTLMv2 exchange (MS-NLMP 3.1.5): NEGOTIATE out, CHALLENGE in,
// AUTHENTICATE out with a MIC over all three messages and a random exported session key sent
// RC4-encrypted under the key-exchange key (KEY_EXCH). The session it leaves behind seals and
// verifies the CredSSP messages that follow.
import { hmacMd5, ntlmv2Response, ntlmv2Temp, ntowfv2, sessionKeys } from './ntlm-crypto.ts';
import {
  AV_FLAG_MIC_PRESENT,
  AvId,
  CLIENT_FLAGS,
  Flags,
  NtlmFormatError,
  encodeAuthenticate,
  encodeAvPairs,
  encodeNegotiate,
  parseChallenge,
  setMic,
  type AvPair,
} from './ntlm-messages.ts';
import { NtlmSession } from './ntlm-security.ts';
import { rc4 } from './rc4.ts';

export interface NtlmCredentials {
  user: string;
  domain: string;
  password: string;
}

export interface NtlmClientOptions {
  /** Random bytes (client challenge, exported session key); tests pass fixed ones. */
  randomBytes: (n: number) => Uint8Array;
  /** Now, for the NTLMv2 timestamp when the server sends none. */
  now: () => Date;
  workstation?: string;
}

/** Milliseconds between the FILETIME epoch (1601-01-01) and the Unix epoch. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

export function fileTime(d: Date): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(d.getTime()) + FILETIME_EPOCH_OFFSET_MS) * 10_000n);
  return b;
}

export class NtlmClient {
  #negotiate: Buffer | undefined;
  #session: NtlmSession | undefined;

  constructor(
    private readonly creds: NtlmCredentials,
    private readonly o: NtlmClientOptions,
  ) {}

  negotiate(): Buffer {
    this.#negotiate = encodeNegotiate();
    return this.#negotiate;
  }

  authenticate(challengeMessage: Buffer): Buffer {
    if (!this.#negotiate) throw new Error('NTLM negotiate() must come first');
    const ch = parseChallenge(challengeMessage);
    const needed = Flags.SIGN | Flags.SEAL | Flags.EXTENDED_SESSIONSECURITY | Flags.KEY_EXCH | Flags.N128;
    if ((ch.flags & needed) !== needed)
      throw new NtlmFormatError('the server does not offer NTLMv2 sealing with key exchange');
    const serverTime = ch.targetInfo.find((p) => p.id === AvId.Timestamp)?.value;
    // A server that sends a timestamp expects the MIC (MS-NLMP 3.1.5.1.2); the client says so in
    // MsvAvFlags and then sends a zeroed LM response instead of an LMv2 one.
    const flagsValue = Buffer.alloc(4);
    flagsValue.writeUInt32LE(AV_FLAG_MIC_PRESENT);
    const pairs: AvPair[] = [
      ...ch.targetInfo.filter((p) => p.id !== AvId.Flags),
      { id: AvId.Flags, value: flagsValue },
    ];
    const clientChallenge = Buffer.from(this.o.randomBytes(8));
    const temp = ntlmv2Temp(serverTime ?? fileTime(this.o.now()), clientChallenge, encodeAvPairs(pairs));
    const key = ntowfv2(this.creds.password, this.creds.user, this.creds.domain);
    const r = ntlmv2Response(key, ch.serverChallenge, clientChallenge, temp);
    const exportedSessionKey = Buffer.from(this.o.randomBytes(16));
    const flags = (CLIENT_FLAGS & ch.flags) >>> 0;
    const message = encodeAuthenticate({
      flags,
      lmChallengeResponse: serverTime ? Buffer.alloc(24) : r.lmChallengeResponse,
      ntChallengeResponse: r.ntChallengeResponse,
      domain: this.creds.domain,
      user: this.creds.user,
      workstation: this.o.workstation ?? '',
      encryptedRandomSessionKey: Buffer.from(rc4(r.sessionBaseKey, exportedSessionKey)),
      withMic: true,
    });
    setMic(message, hmacMd5(exportedSessionKey, this.#negotiate, challengeMessage, message));
    this.#session = new NtlmSession(sessionKeys(exportedSessionKey));
    return message;
  }

  /** Sealing and verification for the rest of the exchange; only after `authenticate`. */
  get session(): NtlmSession {
    if (!this.#session) throw new Error('NTLM session security needs a completed authenticate()');
    return this.#session;
  }
}
