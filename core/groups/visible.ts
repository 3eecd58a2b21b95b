import { isSuperAdmin, type Actor } from '../authz/actor.ts';
import { levelFromGrants } from '../authz/grants.ts';
import type { Level } from '../authz/privilege.ts';
import type { OpScope } from '../context.ts';
import type { Account, Resource, ResourceGroup } from '../model.ts';

export interface VisibleAccount {
  account: Account;
  resource: Resource;
  level: Level;
}

/**
 * One page of "All My Passwords": everything the actor owns plus everything shared to them,
 * directly or through a group (super administrators see every account), matching `search` when
 * given, in name order. The database answers which accounts and with which grants; the sharing
 * precedence turns each row's grants into the level shown.
 */
export async function visibleAccounts(
  s: OpScope,
  actor: Actor,
  page: { limit: number; offset: number; search?: string; group?: ResourceGroup },
): Promise<{ total: number; accounts: VisibleAccount[] }> {
  const allPasswords = actor.kind === 'host' || isSuperAdmin(actor);
  const { total, rows } = await s.repos.visibility.page({ userId: actor.user.id, allPasswords }, page);
  return {
    total,
    accounts: rows.map((r) => ({
      account: r.account,
      resource: r.resource,
      level: levelFromGrants(r.grants, actor.user.role),
    })),
  };
}
