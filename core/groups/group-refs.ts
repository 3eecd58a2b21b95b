import { NotFoundError, ValidationError } from '../errors.ts';
import type { ResourceGroup } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';

/**
 * Resource groups are named per owner (each administrator builds their own tree), so a
 * group is `OWNER/GROUP`, or just `GROUP` when only one group has that name.
 */
export async function loadGroup(repos: Repos, ref: string): Promise<ResourceGroup> {
  const i = ref.indexOf('/');
  if (i > 0) {
    const owner = await repos.users.byName(ref.slice(0, i));
    const g = owner ? await repos.resourceGroups.byOwnerAndName(owner.id, ref.slice(i + 1)) : undefined;
    if (!g) throw new NotFoundError('resource group', ref);
    return g;
  }
  const all = await repos.resourceGroups.byName(ref);
  if (all.length === 0) throw new NotFoundError('resource group', ref);
  if (all.length > 1)
    throw new ValidationError(`several groups are named '${ref}': name it OWNER/${ref}`, { field: 'group' });
  return all[0]!;
}
