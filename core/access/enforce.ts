import type { Actor } from '../authz/actor.ts';
import { ForbiddenError } from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';

export interface AccessGeneralSettings {
  /**
   * Guide, Case 5: "when access control is enabled and a password has been released to a
   * password user, allow admins to view the password". Off by default.
   */
  adminsMayView: boolean;
}

export const GENERAL_SETTINGS_KEY = 'access.general';

export async function readGeneralSettings(repos: Repos): Promise<AccessGeneralSettings> {
  const stored = (await repos.settings.get<Partial<AccessGeneralSettings>>(GENERAL_SETTINGS_KEY)) ?? {};
  return { adminsMayView: false, ...stored };
}

/**
 * The gate in front of a password use (reveal, or a gateway session) on a resource with access
 * control active: the caller needs a live check-out of the account. Excluded users need none.
 * With `adminsMayView`, administrators may reveal while a password user holds it.
 */
export async function requireCheckout(
  repos: Repos,
  now: string,
  actor: Actor,
  resource: Resource,
  account: Account,
  use: 'reveal' | 'session',
): Promise<void> {
  const settings = await repos.access.settings(resource.id);
  if (!settings?.active) return;
  if (settings.excluded.includes(actor.user.id)) return;
  const ref = `${resource.name}/${account.name}`;
  const hold = await repos.access.hold(account.id);
  const live = hold && (hold.expiresAt === null || hold.expiresAt > now);
  if (live && hold.userId === actor.user.id) return;
  if (live) {
    if (use === 'reveal' && actor.user.role === 'admin') {
      const holder = await repos.users.byId(hold.userId);
      if (holder?.role === 'password-user' && (await readGeneralSettings(repos)).adminsMayView) return;
    }
    throw new ForbiddenError(
      `password '${ref}' is checked out by another user until ${hold.expiresAt ?? 'checked in'}`,
      { reason: 'checked-out', until: hold.expiresAt },
    );
  }
  throw new ForbiddenError(`password '${ref}' is under access control: request it first`, {
    reason: 'access-control',
  });
}
