import type { Knex } from 'knex';
import type { GranteeKind, ObjectKind, Privilege, Share } from '../../model.ts';
import { str, type Row } from './map.ts';

const toShare = (r: Row): Share => ({
  id: str(r.id),
  objectKind: str(r.object_kind) as ObjectKind,
  objectId: str(r.object_id),
  granteeKind: str(r.grantee_kind) as GranteeKind,
  granteeId: str(r.grantee_id),
  privilege: str(r.privilege) as Privilege,
  grantedBy: str(r.granted_by),
  grantedAt: str(r.granted_at),
});

export function sharesRepo(db: Knex | Knex.Transaction) {
  return {
    /** Every share held by these grantees (a user and the user groups they belong to). */
    async forGrantees(userId: string, userGroupIds: string[]): Promise<Share[]> {
      const rows = await db('shares').where((q) => {
        q.where({ grantee_kind: 'user', grantee_id: userId });
        if (userGroupIds.length)
          q.orWhere((q2) => q2.where({ grantee_kind: 'user-group' }).whereIn('grantee_id', userGroupIds));
      });
      return rows.map(toShare);
    },
    /**
     * The shares these grantees hold on one account, its resource, and on any group: what deciding
     * access to a single account needs, without loading every share the user has.
     */
    async forGranteesOn(
      userId: string,
      userGroupIds: string[],
      accountId: string | null,
      resourceId: string,
    ): Promise<Share[]> {
      const rows = await db('shares')
        .where((q) => {
          q.where({ grantee_kind: 'user', grantee_id: userId });
          if (userGroupIds.length)
            q.orWhere((q2) => q2.where({ grantee_kind: 'user-group' }).whereIn('grantee_id', userGroupIds));
        })
        .andWhere((q) => {
          q.where({ object_kind: 'resource', object_id: resourceId }).orWhere({ object_kind: 'group' });
          if (accountId) q.orWhere({ object_kind: 'account', object_id: accountId });
        });
      return rows.map(toShare);
    },
    async onObject(kind: ObjectKind, objectId: string): Promise<Share[]> {
      return (await db('shares').where({ object_kind: kind, object_id: objectId })).map(toShare);
    },
    async upsert(s: Share): Promise<void> {
      await db('shares')
        .insert({
          id: s.id,
          object_kind: s.objectKind,
          object_id: s.objectId,
          grantee_kind: s.granteeKind,
          grantee_id: s.granteeId,
          privilege: s.privilege,
          granted_by: s.grantedBy,
          granted_at: s.grantedAt,
        })
        .onConflict(['object_kind', 'object_id', 'grantee_kind', 'grantee_id'])
        .merge(['privilege', 'granted_by', 'granted_at']);
    },
    async revoke(
      kind: ObjectKind,
      objectId: string,
      granteeKind: GranteeKind,
      granteeId: string,
    ): Promise<number> {
      return db('shares')
        .where({ object_kind: kind, object_id: objectId, grantee_kind: granteeKind, grantee_id: granteeId })
        .delete();
    },
    async removeForObject(kind: ObjectKind, objectId: string): Promise<void> {
      await db('shares').where({ object_kind: kind, object_id: objectId }).delete();
    },
    async removeForGrantee(kind: GranteeKind, granteeId: string): Promise<void> {
      await db('shares').where({ grantee_kind: kind, grantee_id: granteeId }).delete();
    },
  };
}
