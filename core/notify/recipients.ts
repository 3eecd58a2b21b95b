import type { Repos } from '../storage/repos/index.ts';
import type { Share } from '../model.ts';
import type { RecipientKind } from './password-events.ts';

/**
 * Who is told of a password event, resolved when the event is generated: the owner, the users
 * having access (shares on the account, its resource or its static groups; user-group shares
 * expanded to members), and — where configured — all administrators. Inactive users get nothing.
 */
export async function recipientsOf(
  repos: Repos,
  object: { kind: string; name: string },
  kinds: readonly RecipientKind[],
): Promise<string[]> {
  const userIds = new Set<string>();
  const shares: Share[] = [];
  if (object.kind === 'account' || object.kind === 'resource') {
    const slash = object.name.indexOf('/');
    const resName = object.kind === 'account' ? object.name.slice(0, slash) : object.name;
    const resource = await repos.resources.byName(resName);
    if (resource) {
      if (kinds.includes('owner')) userIds.add(resource.ownerId);
      if (kinds.includes('shared')) {
        shares.push(...(await repos.shares.onObject('resource', resource.id)));
        for (const g of await repos.resourceGroups.staticGroupsOf(resource.id))
          shares.push(...(await repos.shares.onObject('group', g)));
        if (object.kind === 'account') {
          const account = await repos.accounts.byName(resource.id, object.name.slice(slash + 1));
          if (account) shares.push(...(await repos.shares.onObject('account', account.id)));
        }
      }
    }
  } else if (object.kind === 'group') {
    for (const g of await repos.resourceGroups.byName(object.name)) {
      if (kinds.includes('owner')) userIds.add(g.ownerId);
      if (kinds.includes('shared')) shares.push(...(await repos.shares.onObject('group', g.id)));
    }
  }
  for (const s of shares) {
    if (s.granteeKind === 'user') userIds.add(s.granteeId);
    else for (const m of await repos.userGroups.members(s.granteeId)) userIds.add(m);
  }
  const users = await repos.users.list();
  if (kinds.includes('admins')) for (const u of users) if (u.role === 'admin') userIds.add(u.id);
  return users
    .filter((u) => userIds.has(u.id) && u.status === 'active')
    .map((u) => u.username)
    .sort();
}
