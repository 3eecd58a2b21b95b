import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { requireCheckout } from '../access/enforce.ts';
import type { Account, Resource } from '../model.ts';
import { loadAccount, parseAccountRef } from '../vault/refs.ts';

/**
 * An RDP account opens in the browser: the web listener's viewer at `/rdp/RESOURCE/ACCOUNT`,
 * reached through a one-time link. These are the rules that link is made under, the ones an RDP
 * session is authorised under when the viewer connects, checked before anyone is sent there.
 */

/** The viewer page of one account (`RESOURCE/ACCOUNT`). */
export function desktopPagePath(ref: string): string {
  const { resource, account } = parseAccountRef(ref);
  return `/rdp/${encodeURIComponent(resource)}/${encodeURIComponent(account)}`;
}

const DESKTOP_PATH = /^\/rdp\/([^/?#]+)\/([^/?#]+)$/;

/**
 * The account a landing path opens the viewer of; undefined for a path that is not the viewer's.
 * A path under `/rdp/` that does not name exactly one account is refused rather than let through.
 */
export function desktopRefOf(landingPath: string): string | undefined {
  if (!landingPath.startsWith('/rdp/')) return undefined;
  const m = DESKTOP_PATH.exec(landingPath);
  let ref: string | undefined;
  try {
    ref = m ? `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}` : undefined;
  } catch {
    ref = undefined;
  }
  if (!ref) throw new ValidationError('a desktop link lands on /rdp/RESOURCE/ACCOUNT', { field: 'path' });
  return ref;
}

/**
 * The account, if `actor` may open a session to it now: visible with the right to connect (an
 * unknown and a forbidden account get the same not-found answer), then, for a desktop, the
 * check-out its access control requires — the refusal an SSH session to it would get.
 */
export async function checkSessionTarget(
  ctx: CoreContext,
  s: OpScope,
  actor: Actor,
  ref: string,
): Promise<{ resource: Resource; account: Account; protocol: string }> {
  const { resource, account } = await loadAccount(s.repos, ref);
  ctx.authz.requireOn(actor, 'session.open', await s.access.onAccount(account, resource), {
    kind: 'account',
    name: ref,
  });
  const protocol = (await s.repos.types.byId(resource.typeId))?.protocol ?? 'none';
  if (protocol === 'rdp') await requireCheckout(s.repos, ctx.now(), actor, resource, account, 'session');
  return { resource, account, protocol };
}

/** A landing on the viewer names an account the actor may open a desktop session to now. */
export async function checkDesktopLanding(
  ctx: CoreContext,
  s: OpScope,
  actor: Actor,
  ref: string,
): Promise<void> {
  const { protocol } = await checkSessionTarget(ctx, s, actor, ref);
  if (protocol !== 'rdp')
    throw new ValidationError(`'${ref}' is not a desktop (RDP) account: it has no viewer to land on`, {
      field: 'path',
    });
}
