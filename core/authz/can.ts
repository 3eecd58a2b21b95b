import type { Repos } from '../storage/repos/index.ts';
import { loadGroup } from '../groups/group-refs.ts';
import { loadAccount, loadResource } from '../vault/refs.ts';
import { CustodyError } from '../errors.ts';
import type { Actor } from './actor.ts';
import type { Authorizer } from './authorizer.ts';
import type { Operation } from './operations.ts';
import { AccessResolver } from './resolver.ts';
import type { Level } from './privilege.ts';

/** The object a permission question is about, named as the operator names it. */
export type PermissionObject =
  { kind: 'account'; ref: string } | { kind: 'resource'; name: string } | { kind: 'group'; ref: string };

/**
 * The actor's level on one object, `none` when the object does not exist or the actor cannot
 * see it: the two are one answer, as in every refusal (an unknown name tells nothing).
 */
export async function levelOn(repos: Repos, actor: Actor, object: PermissionObject): Promise<Level> {
  const access = new AccessResolver(repos, actor);
  try {
    if (object.kind === 'account') {
      const { resource, account } = await loadAccount(repos, object.ref);
      return await access.onAccount(account, resource);
    }
    if (object.kind === 'resource') return await access.onResource(await loadResource(repos, object.name));
    return await access.onGroup(await loadGroup(repos, object.ref));
  } catch (e) {
    // Not found, a malformed name, an ambiguous group name: nothing the actor may act on.
    if (e instanceof CustodyError) return 'none';
    throw e;
  }
}

/**
 * The authorizer's answer without calling the operation (so nothing is audited as denied): the
 * role (and super-administrator rule) alone, or with `object` the role and the privilege held on
 * it. Rules a service adds on top — who approves a request, whether a check-out is needed — are
 * the service's own; its capability queries (`accounts.capabilities`) answer those.
 */
export async function canOn(
  authz: Authorizer,
  repos: Repos,
  actor: Actor,
  op: Operation,
  object: PermissionObject,
): Promise<boolean> {
  const level = await levelOn(repos, actor, object);
  return level !== 'none' && authz.allows(actor, op, level);
}
