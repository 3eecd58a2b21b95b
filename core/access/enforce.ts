import type { Actor } from '../authz/actor.ts';
import { ForbiddenError } from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import type { AccessSettingsRow } from '../storage/repos/access.ts';

export interface AccessGeneralSettings {
  /**
   * When access control is enabled and a password has been released to a password user, may
   * administrators view the password too (the setting of that name in the product Custody follows).
   * Off by default.
   */
  adminsMayView: boolean;
}

export const GENERAL_SETTINGS_KEY = 'access.general';

export async function readGeneralSettings(repos: Repos): Promise<AccessGeneralSettings> {
  const stored = (await repos.settings.get<Partial<AccessGeneralSettings>>(GENERAL_SETTINGS_KEY)) ?? {};
  return { adminsMayView: false, ...stored };
}

/** The account's check-out, if one is live now. */
async function liveHold(repos: Repos, now: string, accountId: string) {
  const hold = await repos.access.hold(accountId);
  return hold && (hold.expiresAt === null || hold.expiresAt > now) ? hold : undefined;
}

function heldByAnother(ref: string, until: string | null, what: string): ForbiddenError {
  return new ForbiddenError(
    `password '${ref}' is checked out by another user until ${until ?? 'checked in'}${what}`,
    {
      reason: 'checked-out',
      until,
    },
  );
}

/** The check-out a use runs under: sessions end when it ends. */
export interface CheckoutInUse {
  requestId: string;
  expiresAt: string | null;
}

/**
 * The gate in front of a password use (reveal, or a gateway session) on a resource with access
 * control active: the caller needs a live check-out of the account. Excluded users need none.
 * With `adminsMayView`, administrators may reveal while a password user holds it. Returns the
 * caller's own check-out when the use runs under one (null when none is needed).
 */
export async function requireCheckout(
  repos: Repos,
  now: string,
  actor: Actor,
  resource: Resource,
  account: Account,
  use: 'reveal' | 'session',
  known?: { accessSettings: AccessSettingsRow | undefined },
): Promise<CheckoutInUse | null> {
  // `known`: the caller read the resource's settings already, in this transaction, with the account.
  const settings = known ? known.accessSettings : await repos.access.settings(resource.id);
  if (!settings?.active) return null;
  if (settings.excluded.includes(actor.user.id)) return null;
  const ref = `${resource.name}/${account.name}`;
  const hold = await liveHold(repos, now, account.id);
  if (hold?.userId === actor.user.id) return { requestId: hold.requestId, expiresAt: hold.expiresAt };
  if (hold) {
    if (use === 'reveal' && actor.user.role === 'admin') {
      const holder = await repos.users.byId(hold.userId);
      if (holder?.role === 'password-user' && (await readGeneralSettings(repos)).adminsMayView) return null;
    }
    throw heldByAnother(ref, hold.expiresAt, '');
  }
  throw new ForbiddenError(`password '${ref}' is under access control: request it first`, {
    reason: 'access-control',
  });
}

/**
 * Who may store a new password for an account under active access control, and when. A
 * checked-out password is the holder's alone until the check-out ends, and the reference product's
 * user guide says the rule "applies to all, including administrators, password administrators and
 * owner"; a reset during a check-out would leave the holder working with an outdated password, so
 * it is not allowed. And whoever sets a password of their choice knows it: that would release the
 * password without the workflow's request and approval.
 *
 * - While someone else holds a live check-out, nobody changes the password (administrators
 *   included; they force a check-in first).
 * - `chosen` (set-password, reset with a given password, import overwrite, sync publish and the
 *   pushes a user's change causes): only the holder of a live check-out of their own, or a user
 *   excluded from the resource's access control.
 * - `generated` (a reset to a generated password nobody is shown): anyone with `modify`, when no
 *   one else holds it, as the workflow's own reset on check-in does.
 * `actor: 'system'` (sync pushes the system makes) is held to the first rule only.
 */
export async function requireMayChangePassword(
  repos: Repos,
  now: string,
  actor: Actor | 'system',
  resource: Resource,
  account: Account,
  how: 'chosen' | 'generated',
): Promise<void> {
  const settings = await repos.access.settings(resource.id);
  if (!settings?.active) return;
  const userId = actor === 'system' ? undefined : actor.user.id;
  if (userId && settings.excluded.includes(userId)) return;
  const ref = `${resource.name}/${account.name}`;
  const hold = await liveHold(repos, now, account.id);
  if (hold && userId && hold.userId === userId) return;
  if (hold) throw heldByAnother(ref, hold.expiresAt, ': its password cannot be changed until then');
  if (how === 'chosen' && actor !== 'system')
    throw new ForbiddenError(
      `password '${ref}' is under access control: check it out before setting a password of your choice`,
      { reason: 'access-control' },
    );
}
