import type { Knex } from 'knex';
import type { Criterion, ResourceGroup } from '../../model.ts';
import { jsonArray, num, str, strOrNull, type Row } from './map.ts';

const toGroup = (r: Row): ResourceGroup => ({
  id: str(r.id),
  name: str(r.name),
  description: str(r.description),
  kind: str(r.kind) as ResourceGroup['kind'],
  ownerId: str(r.owner_id),
  parentId: strOrNull(r.parent_id),
  policyId: strOrNull(r.policy_id),
  criteria: jsonArray<Criterion>(r.criteria),
  match: str(r.match) === 'any' ? 'any' : 'all',
  createdAt: str(r.created_at),
});

export function resourceGroupsRepo(db: Knex | Knex.Transaction) {
  return {
    async byId(id: string): Promise<ResourceGroup | undefined> {
      const r = await db('resource_groups').where({ id }).first();
      return r ? toGroup(r) : undefined;
    },
    async byIds(ids: string[]): Promise<ResourceGroup[]> {
      if (!ids.length) return [];
      return (await db('resource_groups').whereIn('id', ids)).map(toGroup);
    },
    async byOwnerAndName(ownerId: string, name: string): Promise<ResourceGroup | undefined> {
      const r = await db('resource_groups').where({ owner_id: ownerId, name }).first();
      return r ? toGroup(r) : undefined;
    },
    async byName(name: string): Promise<ResourceGroup[]> {
      return (await db('resource_groups').where({ name })).map(toGroup);
    },
    async list(): Promise<ResourceGroup[]> {
      return (await db('resource_groups').orderBy('name')).map(toGroup);
    },
    async ownedBy(ownerId: string): Promise<ResourceGroup[]> {
      return (await db('resource_groups').where({ owner_id: ownerId }).orderBy('name')).map(toGroup);
    },
    async countOwnedBy(ownerId: string): Promise<number> {
      const r = await db('resource_groups').where({ owner_id: ownerId }).count({ n: '*' }).first();
      return Number(r?.n ?? 0);
    },
    async criteriaGroups(): Promise<ResourceGroup[]> {
      return (await db('resource_groups').where({ kind: 'criteria' })).map(toGroup);
    },
    async insert(g: ResourceGroup): Promise<void> {
      await db('resource_groups').insert({
        id: g.id,
        name: g.name,
        description: g.description,
        kind: g.kind,
        owner_id: g.ownerId,
        parent_id: g.parentId,
        policy_id: g.policyId,
        criteria: g.kind === 'criteria' ? JSON.stringify(g.criteria) : null,
        match: g.match,
        created_at: g.createdAt,
      });
    },
    async update(g: ResourceGroup): Promise<void> {
      await db('resource_groups')
        .where({ id: g.id })
        .update({
          name: g.name,
          description: g.description,
          owner_id: g.ownerId,
          parent_id: g.parentId,
          policy_id: g.policyId,
          criteria: g.kind === 'criteria' ? JSON.stringify(g.criteria) : null,
          match: g.match,
        });
    },
    async remove(id: string): Promise<void> {
      await db('resource_groups').where({ id }).delete();
    },
    async addMember(groupId: string, resourceId: string): Promise<void> {
      await db('resource_group_members')
        .insert({ group_id: groupId, resource_id: resourceId })
        .onConflict()
        .ignore();
    },
    async removeMember(groupId: string, resourceId: string): Promise<void> {
      await db('resource_group_members').where({ group_id: groupId, resource_id: resourceId }).delete();
    },
    async staticMembers(groupId: string): Promise<string[]> {
      return (await db('resource_group_members').where({ group_id: groupId }).select('resource_id')).map(
        (r) => str(r.resource_id),
      );
    },
    async staticGroupsOf(resourceId: string): Promise<string[]> {
      return (await db('resource_group_members').where({ resource_id: resourceId }).select('group_id')).map(
        (r) => str(r.group_id),
      );
    },
  };
}

export function explorerRepo(db: Knex | Knex.Transaction) {
  return {
    async addFavourite(userId: string, accountId: string, at: string): Promise<void> {
      await db('favourites')
        .insert({ user_id: userId, account_id: accountId, created_at: at })
        .onConflict()
        .ignore();
    },
    async removeFavourite(userId: string, accountId: string): Promise<void> {
      await db('favourites').where({ user_id: userId, account_id: accountId }).delete();
    },
    async favourites(userId: string): Promise<string[]> {
      return (
        await db('favourites').where({ user_id: userId }).orderBy('created_at', 'desc').select('account_id')
      ).map((r) => str(r.account_id));
    },
    async touchRecent(userId: string, accountId: string, at: string): Promise<void> {
      await db('recents')
        .insert({ user_id: userId, account_id: accountId, accessed_at: at })
        .onConflict(['user_id', 'account_id'])
        .merge(['accessed_at']);
    },
    async recents(userId: string, limit: number): Promise<string[]> {
      return (
        await db('recents')
          .where({ user_id: userId })
          .orderBy('accessed_at', 'desc')
          .limit(limit)
          .select('account_id')
      ).map((r) => str(r.account_id));
    },
    async latestTree(): Promise<
      { version: number; tree: string; changedBy: string; changedAt: string } | undefined
    > {
      const r = await db('explorer_tree_versions').orderBy('version', 'desc').first();
      return r
        ? {
            version: num(r.version),
            tree: str(r.tree),
            changedBy: str(r.changed_by),
            changedAt: str(r.changed_at),
          }
        : undefined;
    },
    async treeVersion(version: number): Promise<string | undefined> {
      const r = await db('explorer_tree_versions').where({ version }).first();
      return r ? str(r.tree) : undefined;
    },
    async treeHistory(): Promise<{ version: number; changedBy: string; changedAt: string; note: string }[]> {
      return (
        await db('explorer_tree_versions')
          .orderBy('version', 'desc')
          .select('version', 'changed_by', 'changed_at', 'note')
      ).map((r) => ({
        version: num(r.version),
        changedBy: str(r.changed_by),
        changedAt: str(r.changed_at),
        note: str(r.note),
      }));
    },
    async appendTree(tree: string, changedBy: string, changedAt: string, note: string): Promise<void> {
      await db('explorer_tree_versions').insert({ tree, changed_by: changedBy, changed_at: changedAt, note });
    },
  };
}
