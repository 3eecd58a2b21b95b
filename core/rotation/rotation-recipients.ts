// Who and what a rotation covers: the resources of its group now, and everyone with access to
// their passwords (the rotation's notices go to them).
import type { Repos } from '../storage/repos/index.ts';
import type { Resource, ResourceGroup } from '../model.ts';

/** The resources of a group at this moment (static list, or criteria evaluated now). */
export async function groupResources(repos: Repos, g: ResourceGroup): Promise<Resource[]> {
  if (g.kind === 'static') return repos.resources.byIds(await repos.resourceGroups.staticMembers(g.id));
  return repos.visibility.criteriaMembers(g);
}

/**
 * Everyone with access to the group's passwords, resolved now (they are the ones a rotation notice
 * goes to: their passwords are about to change): the group's owner, the owners of its resources,
 * and the users holding any share on the group, a resource or an account of it (user-group shares
 * expanded to their members).
 */
export async function recipientsOf(repos: Repos, g: ResourceGroup, resources: Resource[]): Promise<string[]> {
  const ids = new Set<string>([g.ownerId, ...resources.map((r) => r.ownerId)]);
  const shares = [...(await repos.shares.onObject('group', g.id))];
  for (const r of resources) {
    shares.push(...(await repos.shares.onObject('resource', r.id)));
    for (const a of await repos.accounts.ofResource(r.id))
      shares.push(...(await repos.shares.onObject('account', a.id)));
  }
  for (const s of shares) {
    if (s.granteeKind === 'user') ids.add(s.granteeId);
    else for (const u of await repos.userGroups.members(s.granteeId)) ids.add(u);
  }
  const names: string[] = [];
  for (const id of ids) {
    const u = await repos.users.byId(id);
    if (u && u.status === 'active') names.push(u.username);
  }
  return names.sort();
}
