import type { Secret } from '../crypto/secret.ts';
import { TargetError } from '../errors.ts';

/** Where a reset happens: the resource as the connector needs it (no vault internals). */
export interface ResetTarget {
  resource: string;
  /** The resource type's reset family (`unix`, `postgres`, …; builtin-types.ts `resetKind`). */
  resetKind: string;
  host: string;
  port: number | null;
  /** The resource's URL attribute ('' when unset); e.g. an `ldaps://` URL selects LDAP over TLS. */
  url?: string;
  /**
   * SSH-based connectors must call this with the server's host key before authenticating; it
   * throws (HostKeyError) to refuse a key that differs from the one pinned for the resource.
   */
  hostKey?: (key: { type: string; fingerprint: string }) => Promise<void>;
}

/** Who logs in to make the change: the account itself, or an administrator account of the resource. */
export interface ResetLogin {
  account: string;
  secret: Secret;
  kind: 'password' | 'private-key';
  /** True when the login is the account being reset (it changes its own password). */
  self: boolean;
}

/** The account whose password changes; `current` is its password as the vault holds it. */
export interface ResetAccount {
  name: string;
  current: Secret;
}

/**
 * One target family's way of changing a password. It throws a one-line `TargetError` whose
 * `details.reason` says which failure it was: `refused` (the target turned the credential down),
 * `unreachable` (no connection), or `failed` (connected and logged in, but the change failed).
 */
export interface ResetConnector {
  change(target: ResetTarget, login: ResetLogin, account: ResetAccount, newPassword: Secret): Promise<void>;
  /**
   * Verification (issue 6): logs in to the target as `account` with `secret` and logs out.
   * Resolves when the target accepts it; throws `resetError('refused', …)` when the target turns
   * the credential down (out of sync) and `resetError('unreachable', …)` when no connection or
   * login exchange could be made.
   */
  verify?(target: ResetTarget, account: string, secret: Secret): Promise<void>;
}

/** Connectors by reset family; the composition root builds it (reset/). */
export type ResetConnectors = Readonly<Record<string, ResetConnector>>;

export type ResetFailure = 'refused' | 'unreachable' | 'failed';

export function resetError(reason: ResetFailure, message: string): TargetError {
  return new TargetError(message.split('\n')[0]!.slice(0, 300), { reason });
}

export function failureOf(e: unknown): ResetFailure {
  const r = (e as { details?: { reason?: unknown } })?.details?.reason;
  return r === 'refused' || r === 'unreachable' ? r : 'failed';
}
