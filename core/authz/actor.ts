import type { Role, User } from '../model.ts';

/**
 * Who performs an operation. `user` is re-read from storage at the start of each operation by
 * the services that need fresh state; `name` and `source` go into the audit trail.
 * A `host` actor is the operating-system user on the server host running the CLI without `--as`
 * (CLI contract): it acts as the built-in administrator with super-administrator scope — whoever
 * holds the host already holds the master key — and is audited as `host:<os user>`.
 */
export interface Actor {
  kind: 'user' | 'host';
  user: User;
  name: string;
  source: string;
  /**
   * Set when the actor is an application presenting an API key: the key's name. The key acts as
   * its user (same role, same shares, `user` as above); every audit row of its operations says
   * so (`via: api` and the key's name, see `viaDetails`).
   */
  apiKey?: string;
}

export function actorFor(user: User, source: string): Actor {
  return { kind: 'user', user, name: user.username, source };
}

/** The actor for an application presenting the API key `keyName` of `user`. */
export function apiKeyActor(user: User, keyName: string, source: string): Actor {
  return { kind: 'user', user, name: user.username, source, apiKey: keyName };
}

/** What every audit row of `actor` adds to its details: which API key acted, if one did. */
export function viaDetails(actor: Actor): Record<string, unknown> {
  return actor.apiKey === undefined ? {} : { via: 'api', apiKey: actor.apiKey };
}

export function hostActor(admin: User, osUser: string, source: string): Actor {
  return {
    kind: 'host',
    user: { ...admin, role: 'admin', superAdmin: true },
    name: `host:${osUser}`,
    source,
  };
}

export function isSuperAdmin(a: Actor): boolean {
  return a.user.superAdmin && (a.user.role === 'admin' || a.user.role === 'password-admin');
}

export const MANAGER_ROLES: readonly Role[] = ['admin', 'password-admin'];
export const ALL_ROLES: readonly Role[] = ['admin', 'password-admin', 'password-user', 'auditor'];
