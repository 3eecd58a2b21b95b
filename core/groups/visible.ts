import { isSuperAdmin, type Actor } from '../authz/actor.ts';
import type { Level } from '../authz/privilege.ts';
import type { OpScope } from '../context.ts';
import type { Account, Resource } from '../model.ts';
import { criteriaGroupContains } from '../authz/resolver.ts';

export interface VisibleAccount {
  account: Account;
  resource: Resource;
  level: Level;
}

/**
 * "All My Passwords": everything the actor owns plus everything shared to them, directly
 * or through a group. Super administrators see every account.
 */
export async function visibleAccounts(s: OpScope, actor: Actor): Promise<VisibleAccount[]> {
  let resources: Resource[];
  if (actor.kind === 'host' || isSuperAdmin(actor)) {
    resources = await s.repos.resources.list();
  } else {
    const shares = await s.access.shares();
    const ids = new Set((await s.repos.resources.ownedBy(actor.user.id)).map((r) => r.id));
    for (const sh of shares) if (sh.objectKind === 'resource') ids.add(sh.objectId);
    const sharedAccounts = await s.repos.accounts.byIds(
      shares.filter((sh) => sh.objectKind === 'account').map((sh) => sh.objectId),
    );
    for (const a of sharedAccounts) ids.add(a.resourceId);
    for (const g of await s.repos.resourceGroups.byIds(
      shares.filter((sh) => sh.objectKind === 'group').map((sh) => sh.objectId),
    )) {
      if (g.kind === 'static') {
        for (const id of await s.repos.resourceGroups.staticMembers(g.id)) ids.add(id);
      } else {
        for (const r of await s.repos.resources.list())
          if (await criteriaGroupContains(s.repos, g, r)) ids.add(r.id);
      }
    }
    resources = await s.repos.resources.byIds([...ids]);
  }
  const byId = new Map(resources.map((r) => [r.id, r]));
  const out: VisibleAccount[] = [];
  for (const account of await s.repos.accounts.ofResources([...byId.keys()])) {
    const resource = byId.get(account.resourceId)!;
    const level = await s.access.onAccount(account, resource);
    if (level !== 'none') out.push({ account, resource, level });
  }
  out.sort(
    (a, b) => a.resource.name.localeCompare(b.resource.name) || a.account.name.localeCompare(b.account.name),
  );
  return out;
}
