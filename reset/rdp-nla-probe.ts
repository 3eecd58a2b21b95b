// A standalone NLA login, without the RDP engine: X.224 negotiation asking for NLA (HYBRID or
// HYBRID_EX), TLS, then CredSSP with the account's credentials; it ends there, before any RDP
// session (MCS) exists, so nothing is drawn and no desktop is started. Verification uses it, and
// so does the NLA bench. It takes a connected stream: a direct TCP socket or a landing-chain tunnel.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { NlaMessageReader, type NlaTimers } from '../protocols/rdp/nla/message-reader.ts';
import { CredsspFailure } from '../protocols/rdp/nla/outcomes.ts';
import { credsspOverTls } from '../protocols/rdp/nla/tls-credssp.ts';
import {
  connectionRequest,
  NegFailure,
  parseConnectionConfirm,
  Protocol,
  tpktLength,
} from '../protocols/rdp/nla/x224-negotiation.ts';

export interface NlaProbeOptions {
  user: string;
  domain: string;
  password: string;
  timers: NlaTimers;
  now: () => Date;
  /** Time limit for each answer of the server (default 10 s). */
  timeoutMs?: number;
  /**
   * Called with the server's TLS certificate (DER) once TLS is up and before CredSSP starts; a
   * throw ends the probe there, so a server whose certificate is not the pinned one is never
   * offered even the NTLM response.
   */
  certificateCheck?: (der: Buffer) => Promise<void>;
}

/** Why the probe could not even try the credentials: the server does not do NLA. */
export class NlaNotOfferedError extends Error {}

export interface NlaProbeResult {
  /** HYBRID (2) or HYBRID_EX (8). */
  protocol: number;
  /** The CredSSP version both sides used. */
  version: number;
}

/** Runs the NLA login on `stream` and destroys it; throws CredsspFailure or NlaNotOfferedError. */
export async function probeNla(stream: Duplex, o: NlaProbeOptions): Promise<NlaProbeResult> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  let secure: tls.TLSSocket | undefined;
  try {
    stream.write(connectionRequest(Protocol.SSL | Protocol.HYBRID | Protocol.HYBRID_EX));
    const reader = new NlaMessageReader(stream, o.timers, timeoutMs);
    let confirm;
    try {
      const head = await reader.nextBytes(4);
      const total = tpktLength(head)!;
      const body = await reader.nextBytes(total - 4);
      confirm = parseConnectionConfirm(Buffer.concat([head, body]));
    } catch (e) {
      if (e instanceof CredsspFailure) throw e;
      throw new CredsspFailure('protocol', e instanceof Error ? e.message : String(e));
    } finally {
      reader.detach();
    }
    if (confirm.kind === 'none') throw new NlaNotOfferedError('the server speaks only standard RDP security');
    if (confirm.kind === 'failure') {
      if (confirm.code === NegFailure.SSL_NOT_ALLOWED_BY_SERVER)
        throw new NlaNotOfferedError('the server speaks only standard RDP security');
      throw new NlaNotOfferedError(
        `the server refused the security negotiation (failure code ${confirm.code})`,
      );
    }
    const protocol = confirm.protocol;
    if (protocol !== Protocol.HYBRID && protocol !== Protocol.HYBRID_EX)
      throw new NlaNotOfferedError('the server does not offer NLA (it selected TLS without it)');
    secure = await startTls(stream, o.timers, timeoutMs);
    if (o.certificateCheck) await o.certificateCheck(Buffer.from(secure.getPeerCertificate().raw ?? []));
    const r = await credsspOverTls(secure, {
      credentials: { user: o.user, domain: o.domain, password: o.password },
      hybridEx: protocol === Protocol.HYBRID_EX,
      randomBytes: (n) => randomBytes(n),
      now: o.now,
      timers: o.timers,
      timeoutMs,
    });
    return { protocol, version: r.version };
  } finally {
    secure?.destroy();
    stream.destroy();
  }
}

/** TLS over the stream; RDP servers present self-signed certificates, which CredSSP binds to. */
function startTls(stream: Duplex, timers: NlaTimers, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket: stream, rejectUnauthorized: false });
    const cancel = timers.after(timeoutMs, () => {
      s.destroy();
      reject(new CredsspFailure('timeout', 'the TLS handshake did not complete in time'));
    });
    s.once('secureConnect', () => {
      cancel();
      resolve(s);
    });
    s.once('error', (e: Error & { code?: string }) => {
      cancel();
      reject(new CredsspFailure('closed', `the TLS handshake failed (${e.code ?? e.name})`));
    });
  });
}
