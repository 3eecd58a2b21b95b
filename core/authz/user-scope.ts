import { ForbiddenError } from '../errors.ts';
import type { User } from '../model.ts';
import { isSuperAdmin, type Actor } from './actor.ts';

/**
 * A user's access scope: all passwords in the system (a super administrator who is an
 * administrator or password administrator), or only what is owned and shared to them.
 */
export function hasAllPasswordsScope(u: Pick<User, 'role' | 'superAdmin'>): boolean {
  return u.superAdmin && (u.role === 'admin' || u.role === 'password-admin');
}

/**
 * Administering a user must never let the actor gain more than they have: whoever
 * changes another user's password, keys, TOTP, role, scope, status or existence could then act
 * as that user. So nobody administers a user whose scope is wider than their own: only a super
 * administrator (or the host administrator) touches a super administrator. Every
 * user-administration operation calls this after loading its target.
 */
export function assertNotWiderThanActor(
  actor: Actor,
  target: Pick<User, 'username' | 'role' | 'superAdmin'>,
): void {
  if (actor.kind === 'host' || isSuperAdmin(actor)) return;
  if (hasAllPasswordsScope(target)) {
    throw new ForbiddenError(
      `${actor.name} may not administer '${target.username}': that user's scope (all passwords) is wider than yours`,
      { reason: 'wider-scope' },
    );
  }
}
