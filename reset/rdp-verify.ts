// Verification of `windows-rdp` accounts: the same NLA handshake a session does (X.224 asking
// for NLA, TLS, CredSSP with NTLMv2), stopped once CredSSP has completed, so no desktop is
// started. The verdicts follow the other verifiers: CredSSP completes → in sync; the server turns
// the user name or password down (logon failure, wrong password) → out of sync; no connection,
// no answer, or a hang-up before the password was judged → unreachable; a server that answers
// but gives no verdict on the password (expired, locked out, disabled, no NLA offered) → failed,
// with its one-line reason, never "out of sync". The TLS certificate is checked against the
// resource's pin (the one sessions use) before CredSSP starts. Password changes on Windows are not done here:
// the connector only verifies, so the reset engine does not treat Windows accounts as resettable.
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import {
  resetError,
  systemTimers,
  type ResetConnector,
  type ResetTarget,
  type Secret,
  type Timers,
} from '../core/index.ts';
import { ntlmAccount } from '../protocols/rdp/nla/account-name.ts';
import { CredsspFailure, PASSWORD_REFUSED } from '../protocols/rdp/nla/outcomes.ts';
import { NlaNotOfferedError, probeNla } from './rdp-nla-probe.ts';
import { oneLineOf, whereOf } from './ssh-connect.ts';

export interface RdpVerifyOptions {
  /** Time limit for the connection and for each answer of the server (default 10 s). */
  timeoutMs?: number;
  timers?: Timers;
}

/**
 * The host-key store's key type for RDP certificates, and its fingerprint form: the same pin the
 * gateway's RDP sessions record and check (gateway/connectors/rdp/certificate.ts).
 */
const RDP_CERTIFICATE_KEY_TYPE = 'rdp-tls-certificate';
const fingerprintOf = (der: Buffer) =>
  `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;

/** Outcomes where the server had the credentials and still gave no verdict on the password. */
const NO_VERDICT: Record<string, string> = {
  'password-expired': 'the password is right but has expired and must be changed',
  'account-locked-out': 'the account is locked out',
  'account-disabled': 'the account is disabled or expired',
  'access-denied': 'the account may not log on to this server',
  'server-error': 'the server refused the login',
  'key-binding-mismatch': "the server's NLA proof does not match its TLS certificate",
  protocol: 'the server sent NLA data the client cannot use',
};

export class WindowsRdpVerifyConnector implements ResetConnector {
  readonly landingRoutes = true;
  readonly verifyOnly = true;
  readonly #timeoutMs: number;
  readonly #timers: Timers;

  constructor(o: RdpVerifyOptions = {}) {
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#timers = o.timers ?? systemTimers;
  }

  change(): Promise<void> {
    return Promise.reject(resetError('failed', 'password changes on Windows servers are not supported'));
  }

  async verify(target: ResetTarget, account: string, secret: Secret): Promise<void> {
    const where = whereOf(target, 3389);
    let stream: Duplex;
    try {
      stream = target.connect ? await target.connect() : await this.#dial(target.host, target.port ?? 3389);
    } catch (e) {
      throw resetError('unreachable', `${where} is unreachable: ${oneLineOf(e)}`);
    }
    const { user, domain } = ntlmAccount(account);
    let refusedCertificate: unknown;
    const pinned = target.hostKey;
    try {
      await probeNla(stream, {
        user,
        domain,
        password: secret.reveal(),
        timers: this.#timers,
        now: () => this.#timers.now(),
        timeoutMs: this.#timeoutMs,
        // Like the SSH verifier: a certificate that is not the pinned one proves nothing about
        // the password (it is never offered), so the verdict is unreachable, not out of sync.
        ...(pinned
          ? {
              certificateCheck: async (der: Buffer) => {
                await pinned({ type: RDP_CERTIFICATE_KEY_TYPE, fingerprint: fingerprintOf(der) }).catch(
                  (e: unknown) => {
                    refusedCertificate = e;
                    throw e;
                  },
                );
              },
            }
          : {}),
      });
    } catch (e) {
      if (refusedCertificate) throw resetError('unreachable', `${where}: ${oneLineOf(refusedCertificate)}`);
      if (e instanceof NlaNotOfferedError)
        throw resetError('failed', `${where} cannot be verified: ${e.message}`);
      if (!(e instanceof CredsspFailure)) throw resetError('unreachable', `${where}: ${oneLineOf(e)}`);
      if (PASSWORD_REFUSED.has(e.outcome))
        throw resetError('refused', `${where} refused the credential of '${account}' (NLA logon failure)`);
      const why = NO_VERDICT[e.outcome];
      if (why) throw resetError('failed', `${where}: ${why}`);
      throw resetError('unreachable', `${where} is unreachable: ${e.message}`);
    }
  }

  #dial(host: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const cancel = this.#timers.after(this.#timeoutMs, () => {
        s.destroy();
        reject(new Error(`no connection within ${Math.round(this.#timeoutMs / 1000)} s`));
      });
      s.once('connect', () => {
        cancel();
        resolve(s);
      });
      s.once('error', (e: Error & { code?: string }) => {
        cancel();
        reject(new Error(e.code ?? e.message));
      });
    });
  }
}
