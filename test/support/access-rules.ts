// The sharing rules stated one by one, in JavaScript, as the core applied them account by
// account before visibility became a database query: the reference the query is tested against
// (test/authz/visibility-property.test.ts). Not used by the product.
import type { Account, Resource, ResourceGroup, Share } from '../../core/model.ts';
import type { Repos } from '../../core/storage/repos/index.ts';
import { matchesCriteria, type CriteriaSubject } from '../../core/groups/criteria.ts';
import { isSuperAdmin, type Actor } from '../../core/authz/actor.ts';
import { capForRole, maxLevel, type Level } from '../../core/authz/privilege.ts';

/**
 * Computes what one actor may do with accounts, resources and groups. Sharing precedence: the most
 * specific level that has any grant decides (account, then resource, then resource group), so a
 * narrower share can restrict a wider one; within a level a grant to the user beats grants to their
 * user groups. Several grants of the same kind at one level combine to the highest (the reference
 * product does not say; the highest is what each grant alone would allow). Owners and super
 * administrators hold `owner`.
 *
 * One resolver serves one operation: it caches the actor's shares and group memberships.
 */
export class RuleByRuleAccess {
  #shares?: Share[];
  #userGroupIds?: string[];
  #groupMembers = new Map<string, Set<string> | 'criteria'>();
  #groups = new Map<string, ResourceGroup | undefined>();

  constructor(
    private readonly repos: Repos,
    private readonly actor: Actor,
  ) {}

  private get superAdmin(): boolean {
    return this.actor.kind === 'host' || isSuperAdmin(this.actor);
  }

  private async userGroupIds(): Promise<string[]> {
    this.#userGroupIds ??= (await this.repos.userGroups.groupsOf(this.actor.user.id)).map(
      (g: { id: string }) => g.id,
    );
    return this.#userGroupIds;
  }

  /** Every share the actor holds (for listings). */
  async shares(): Promise<Share[]> {
    this.#shares ??= await this.repos.shares.forGrantees(this.actor.user.id, await this.userGroupIds());
    return this.#shares;
  }

  /** Only the shares that can bear on one account or resource (the hot path of a reveal). */
  private async sharesFor(resourceId: string, accountId: string | null): Promise<Share[]> {
    if (this.#shares) return this.#shares;
    return this.repos.shares.forGranteesOn(
      this.actor.user.id,
      await this.userGroupIds(),
      accountId,
      resourceId,
    );
  }

  /** user-level grant wins over user-group grants; several of one kind → the highest. */
  private pick(grants: Share[]): Level | undefined {
    if (!grants.length) return undefined;
    const own = grants.filter((g) => g.granteeKind === 'user');
    return maxLevel((own.length ? own : grants).map((g) => g.privilege));
  }

  async onResource(resource: Resource): Promise<Level> {
    if (this.superAdmin || resource.ownerId === this.actor.user.id) return 'owner';
    const shares = await this.sharesFor(resource.id, null);
    const direct = this.pick(shares.filter((s) => s.objectKind === 'resource' && s.objectId === resource.id));
    if (direct) return capForRole(direct, this.actor.user.role);
    return capForRole(await this.viaGroups(resource, shares), this.actor.user.role);
  }

  async onAccount(account: Account, resource: Resource): Promise<Level> {
    if (this.superAdmin || resource.ownerId === this.actor.user.id) return 'owner';
    const shares = await this.sharesFor(resource.id, account.id);
    const onAccount = this.pick(
      shares.filter((s) => s.objectKind === 'account' && s.objectId === account.id),
    );
    if (onAccount) return capForRole(onAccount === 'manage' ? 'modify' : onAccount, this.actor.user.role);
    return this.onResource(resource);
  }

  async onGroup(group: ResourceGroup): Promise<Level> {
    if (this.superAdmin || group.ownerId === this.actor.user.id) return 'owner';
    const shares = await this.shares();
    return capForRole(
      this.pick(shares.filter((s) => s.objectKind === 'group' && s.objectId === group.id)) ?? 'none',
      this.actor.user.role,
    );
  }

  private async viaGroups(resource: Resource, shares: Share[]): Promise<Level> {
    const groupShares = shares.filter((s) => s.objectKind === 'group');
    if (!groupShares.length) return 'none';
    const containing: Share[] = [];
    for (const s of groupShares) {
      if (await this.groupContains(s.objectId, resource)) containing.push(s);
    }
    return this.pick(containing) ?? 'none';
  }

  /**
   * Membership at this moment: a static list, or criteria evaluated now, so a resource renamed
   * into or out of a criteria group gains or loses the group's shares at once.
   */
  async groupContains(groupId: string, resource: Resource): Promise<boolean> {
    if (!this.#groups.has(groupId)) this.#groups.set(groupId, await this.repos.resourceGroups.byId(groupId));
    const group = this.#groups.get(groupId);
    if (!group) return false;
    if (group.kind === 'static') {
      let members = this.#groupMembers.get(groupId);
      if (!members) {
        members = new Set(await this.repos.resourceGroups.staticMembers(groupId));
        this.#groupMembers.set(groupId, members);
      }
      return members !== 'criteria' && members.has(resource.id);
    }
    return criteriaGroupContains(this.repos, group, resource);
  }
}

/**
 * A criteria group only ever holds resources its owner could manage directly — owned, or shared
 * to the owner at resource level with manage — or any resource when the owner is a super
 * administrator. Without this rule "name contains a" would hand an administrator's group every
 * resource in the system (the same risk is why sharing a criteria group with manage is off by
 * default: the user-group setting `allowGrantManageCriteria`).
 */
export async function criteriaGroupContains(
  repos: Repos,
  group: ResourceGroup,
  resource: Resource,
): Promise<boolean> {
  const owner = await repos.users.byId(group.ownerId);
  if (!owner) return false;
  const ownerIsSuper = owner.superAdmin && (owner.role === 'admin' || owner.role === 'password-admin');
  if (!ownerIsSuper && resource.ownerId !== owner.id) {
    const ownerGroups = await repos.userGroups.groupsOf(owner.id);
    const ownerShares = await repos.shares.forGrantees(
      owner.id,
      ownerGroups.map((g: { id: string }) => g.id),
    );
    const manages = ownerShares.some(
      (s: Share) => s.objectKind === 'resource' && s.objectId === resource.id && s.privilege === 'manage',
    );
    if (!manages) return false;
  }
  return matchesCriteria(group, await subjectOf(repos, resource));
}

export async function subjectOf(repos: Repos, resource: Resource): Promise<CriteriaSubject> {
  const type = await repos.types.byId(resource.typeId);
  return {
    name: resource.name,
    typeName: type?.name ?? '',
    description: resource.description,
    accountNames: await repos.accounts.names(resource.id),
  };
}
