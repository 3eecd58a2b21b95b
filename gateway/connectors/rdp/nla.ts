// NLA for the gateway's RDP sessions: the engine's `credssp` hook runs CredSSP (NTLMv2) with the
// vaulted account on the TLS socket, after the certificate check and before any RDP data, and a
// refusal becomes ONE TargetError whose reason is the CredSSP outcome (logon-failure,
// password-expired, account-locked-out, …) and whose one-line message says what the operator can
// do about it. Nothing here ever puts the password into a message.
import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { TargetError, type Secret, type Timers } from '../../../core/index.ts';
import { ntlmAccount } from '../../../protocols/rdp/nla/account-name.ts';
import { CredsspFailure, ntstatusHex, type CredsspOutcome } from '../../../protocols/rdp/nla/outcomes.ts';
import { credsspOverTls } from '../../../protocols/rdp/nla/tls-credssp.ts';

/** What the operator reads for each outcome, after "RDP server NAME ". */
const PHRASES: Record<CredsspOutcome, string> = {
  'logon-failure': 'refused the NLA login: logon failure (wrong user name or password)',
  'wrong-password': 'refused the NLA login: wrong password',
  'password-expired': 'refused the NLA login: the password has expired and must be changed',
  'account-locked-out': 'refused the NLA login: the account is locked out',
  'account-disabled': 'refused the NLA login: the account is disabled or expired',
  'access-denied': 'refused the NLA login: the account may not log on to this server',
  'server-error': 'refused the NLA login',
  'key-binding-mismatch':
    'sent an NLA proof that does not match its TLS certificate (a machine in the middle?): refusing to send the password',
  protocol: 'sent NLA (CredSSP) data the client cannot use',
  timeout: 'stopped answering during NLA',
  closed: 'closed the connection during NLA',
};

export function nlaFailure(name: string, e: CredsspFailure): TargetError {
  // The NTSTATUS (not a secret) names a refusal the table has no words for; a protocol error
  // says what was wrong with the bytes.
  const detail =
    e.outcome === 'server-error' && e.status !== undefined
      ? ` (NTSTATUS ${ntstatusHex(e.status)})`
      : e.outcome === 'protocol'
        ? `: ${e.message.slice(0, 120)}`
        : '';
  return new TargetError(`RDP server ${name} ${PHRASES[e.outcome]}${detail}`, {
    reason: e.outcome,
    target: name,
  });
}

export interface NlaLogin {
  name: string;
  /** The vault's account name: `DOMAIN\user`, `user@domain` or `user`. */
  account: string;
  domain?: string;
  password: Secret;
  timers: Timers;
  /** Per-answer time limit. */
  timeoutMs: number;
  /** The protocol the server selected (HYBRID_EX adds the Early User Authorization Result). */
  hybridEx: () => boolean;
}

/** The engine's credssp hook for one login. */
export function nlaHook(o: NlaLogin): (tls: TLSSocket) => Promise<void> {
  return async (tls) => {
    const { user, domain } = ntlmAccount(o.account, o.domain ?? '');
    try {
      await credsspOverTls(tls, {
        credentials: { user, domain, password: o.password.reveal() },
        hybridEx: o.hybridEx(),
        randomBytes: (n) => randomBytes(n),
        now: () => o.timers.now(),
        timers: o.timers,
        timeoutMs: o.timeoutMs,
      });
    } catch (e) {
      if (e instanceof CredsspFailure) throw nlaFailure(o.name, e);
      throw e;
    }
  };
}
