import type { Duplex } from 'node:stream';
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
  /** The resource type's session protocol (`ssh`, `telnet`, …): a connector's default transport. */
  protocol?: string;
  /** The resource's reset settings (`custody reset-settings`): mode, prompts, device options. */
  settings?: ResetSettings;
  /**
   * Set when the resource sits behind landing servers: a stream already connected to host:port
   * through the chain (with failover). Connectors speak their protocol over it instead of dialling;
   * destroying the stream tears the chain down. It rejects with `resetError('unreachable', …)`.
   */
  connect?: () => Promise<Duplex>;
}

/** Prompt regexes a resource may override (case-insensitive, matched at the end of the output). */
export const RESET_PROMPTS = [
  'login',
  'password',
  'shell',
  'failure',
  'su',
  'current',
  'new',
  'user',
  'enable',
  'config',
] as const;
export type ResetPromptName = (typeof RESET_PROMPTS)[number];

/**
 * How a resource is reset (mode, login/root/enable accounts, prompts), stored per resource. Absent
 * fields keep the defaults: `self` mode (or `sudo` when `--admin` is given), the [telnet] prompts
 * of the configuration, the connector's own prompts for su/passwd/IOS, and `write memory` on
 * devices.
 */
export interface ResetSettings {
  /** Unix: `self` = the account runs passwd; `sudo` / `su` = `login` logs in and elevates. */
  mode?: 'self' | 'sudo' | 'su';
  /** The account of the same resource that logs in for `sudo`/`su` and for network devices. */
  login?: string;
  /** `su`: the account of the same resource whose password `su` asks for (default `root`). */
  root?: string;
  /** Network devices: the account of the same resource whose password is the enable secret. */
  enable?: string;
  /** Network devices and Unix: `ssh` or `telnet` (default: the type's protocol). */
  transport?: 'ssh' | 'telnet';
  /** Network devices: `write memory` after the change (default true). */
  writeMemory?: boolean;
  prompts?: Partial<Record<ResetPromptName, string>>;
}

/** Who logs in to make the change: the account itself, or an administrator account of the resource. */
export interface ResetLogin {
  account: string;
  secret: Secret;
  kind: 'password' | 'private-key';
  /** True when the login is the account being reset (it changes its own password). */
  self: boolean;
  /** How the login gains the right to change another account (absent: sudo unless `self`). */
  elevation?: 'sudo' | 'su';
  /** `su`: the account name and password `su` takes. */
  root?: { account: string; secret: Secret };
  /** Network devices: the enable secret (absent: the login is expected to be privileged already). */
  enable?: Secret;
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
  /**
   * True when the connector speaks over `target.connect` when it is set. A resource behind landing
   * servers is only reset by such a connector: one that dialled directly would bypass the route.
   */
  readonly landingRoutes?: boolean;
  /**
   * True for a connector that can verify but not change passwords (Windows over NLA): the reset
   * engine then treats the resource as having no reset connector, as before it existed.
   */
  readonly verifyOnly?: boolean;
  /**
   * Resolves once the target has the new password. `warnings` are for the audit row: the change
   * stands but something after it failed (a device's `write memory`, say).
   */
  change(
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    newPassword: Secret,
  ): Promise<void | { warnings: string[] }>;
  /**
   * Verification: logs in to the target as `account` with `secret` and logs out.
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
