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
}

export function actorFor(user: User, source: string): Actor {
  return { kind: 'user', user, name: user.username, source };
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
