import type { Account, Resource, ResourceGroup, Share } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import { isSuperAdmin, type Actor } from './actor.ts';
import { levelFromGrants } from './grants.ts';
import { capForRole, maxLevel, type Level } from './privilege.ts';

/**
 * Computes what one actor may do with accounts, resources and groups. The database finds the
 * grants that bear on an account (repos.visibility: shares on the account, its resource, and the
 * static and criteria groups holding the resource, to the user or their user groups) and
 * `levelFromGrants` applies the sharing precedence; owners and super administrators hold `owner`.
 *
 * One resolver serves one operation: it caches the actor's shares and group memberships.
 */
export class AccessResolver {
  #shares?: Share[];
  #userGroupIds?: string[];

  constructor(
    private readonly repos: Repos,
    private readonly actor: Actor,
  ) {}

  private get superAdmin(): boolean {
    return this.actor.kind === 'host' || isSuperAdmin(this.actor);
  }

  private async userGroupIds(): Promise<string[]> {
    this.#userGroupIds ??= (await this.repos.userGroups.groupsOf(this.actor.user.id)).map((g) => g.id);
    return this.#userGroupIds;
  }

  /** Every share the actor holds (for listings). */
  async shares(): Promise<Share[]> {
    this.#shares ??= await this.repos.shares.forGrantees(this.actor.user.id, await this.userGroupIds());
    return this.#shares;
  }

  /** user-level grant wins over user-group grants; several of one kind → the highest. */
  private pick(grants: Share[]): Level | undefined {
    if (!grants.length) return undefined;
    const own = grants.filter((g) => g.granteeKind === 'user');
    return maxLevel((own.length ? own : grants).map((g) => g.privilege));
  }

  async onResource(resource: Resource): Promise<Level> {
    if (this.superAdmin || resource.ownerId === this.actor.user.id) return 'owner';
    const grants = await this.repos.visibility.grantsOn(this.actor.user.id, resource.id, null);
    return levelFromGrants({ owner: false, ...grants }, this.actor.user.role);
  }

  async onAccount(account: Account, resource: Resource): Promise<Level> {
    if (this.superAdmin || resource.ownerId === this.actor.user.id) return 'owner';
    const grants = await this.repos.visibility.grantsOn(this.actor.user.id, resource.id, account.id);
    return levelFromGrants({ owner: false, ...grants }, this.actor.user.role);
  }

  async onGroup(group: ResourceGroup): Promise<Level> {
    if (this.superAdmin || group.ownerId === this.actor.user.id) return 'owner';
    const shares = await this.shares();
    return capForRole(
      this.pick(shares.filter((s) => s.objectKind === 'group' && s.objectId === group.id)) ?? 'none',
      this.actor.user.role,
    );
  }
}
