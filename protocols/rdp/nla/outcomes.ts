// How a CredSSP attempt ends when it does not succeed, as stable codes. protocols/ cannot build the
// product's errors (core stays out of wire code), so the callers (the gateway's RDP session, the
// windows-rdp verifier) turn these codes into CustodyErrors with their own wording.

export type CredsspOutcome =
  /** The server turned the user name or password down (STATUS_LOGON_FAILURE, or it just hung up). */
  | 'logon-failure'
  /** STATUS_WRONG_PASSWORD: the account exists and the password is wrong. */
  | 'wrong-password'
  /** STATUS_PASSWORD_EXPIRED / STATUS_PASSWORD_MUST_CHANGE: right password, but it must be changed. */
  | 'password-expired'
  | 'account-locked-out'
  | 'account-disabled'
  /** STATUS_ACCESS_DENIED, or a HYBRID_EX Early User Authorization Result of "access denied". */
  | 'access-denied'
  /** Another NTSTATUS; the message carries it in hex. */
  | 'server-error'
  /** The server's proof of the TLS key did not verify: someone may sit between us and the server. */
  | 'key-binding-mismatch'
  /** Bytes that are not the CredSSP/NTLM the specification describes. */
  | 'protocol'
  /** The server stopped answering (the injected per-message time limit). */
  | 'timeout'
  /** The connection closed before the server could judge the credentials. */
  | 'closed';

/** NTSTATUS values a TSRequest errorCode carries (MS-ERREF 2.3.1), by outcome. */
const STATUS: Record<number, CredsspOutcome> = {
  0xc000006d: 'logon-failure',
  0xc0000064: 'logon-failure', // STATUS_NO_SUCH_USER (Windows reports it as a logon failure too)
  0xc000006a: 'wrong-password',
  0xc0000071: 'password-expired',
  0xc0000224: 'password-expired', // STATUS_PASSWORD_MUST_CHANGE
  0xc0000234: 'account-locked-out',
  0xc0000072: 'account-disabled',
  0xc000006e: 'access-denied', // STATUS_ACCOUNT_RESTRICTION
  0xc000006f: 'access-denied', // STATUS_INVALID_LOGON_HOURS
  0xc0000070: 'access-denied', // STATUS_INVALID_WORKSTATION
  0xc0000193: 'account-disabled', // STATUS_ACCOUNT_EXPIRED
  0xc0000022: 'access-denied',
};

export function outcomeOfStatus(status: number): CredsspOutcome {
  return STATUS[status >>> 0] ?? 'server-error';
}

export const ntstatusHex = (status: number): string =>
  `0x${(status >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

/** A CredSSP attempt that did not complete. The message never holds a credential. */
export class CredsspFailure extends Error {
  constructor(
    readonly outcome: CredsspOutcome,
    message: string,
    /** The NTSTATUS the server sent, when it sent one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The outcomes that say the stored password is wrong (verification: out of sync). */
export const PASSWORD_REFUSED: ReadonlySet<CredsspOutcome> = new Set(['logon-failure', 'wrong-password']);
