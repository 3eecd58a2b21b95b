import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { checkName, checkText } from '../identity/names.ts';
import {
  CRITERIA_FIELDS,
  CRITERIA_OPERATORS,
  type Criterion,
  type Resource,
  type ResourceGroup,
} from '../model.ts';
import { loadResource } from '../vault/refs.ts';
import { loadGroup } from './group-refs.ts';

export interface GroupInput {
  name: string;
  description?: string;
  kind: 'static' | 'criteria';
  parent?: string | null;
  policy?: string | null;
  criteria?: Criterion[];
  match?: 'all' | 'any';
}

function checkCriteria(kind: GroupInput['kind'], criteria: Criterion[] | undefined): Criterion[] {
  if (kind === 'static') {
    if (criteria?.length)
      throw new ValidationError('a static group takes resources, not criteria', { field: 'criteria' });
    return [];
  }
  if (!criteria?.length)
    throw new ValidationError('a criteria group needs at least one criterion', { field: 'criteria' });
  if (criteria.length > 20) throw new ValidationError('at most 20 criteria per group', { field: 'criteria' });
  return criteria.map((c) => {
    if (!CRITERIA_FIELDS.includes(c.field))
      throw new ValidationError(`unknown criteria field '${c.field}' (${CRITERIA_FIELDS.join(', ')})`, {
        field: 'criteria',
      });
    if (!CRITERIA_OPERATORS.includes(c.op))
      throw new ValidationError(`unknown operator '${c.op}' (${CRITERIA_OPERATORS.join(', ')})`, {
        field: 'criteria',
      });
    return { field: c.field, op: c.op, value: checkText('criteria value', c.value, 200) };
  });
}

/**
 * Resource groups: static lists or live criteria, nested for navigation only (a sub-group does not
 * inherit its parent's resources or shares).
 */
export class GroupsService {
  constructor(private readonly ctx: CoreContext) {}

  async create(actor: Actor, input: GroupInput): Promise<ResourceGroup> {
    const name = checkName('group name', input.name, 200);
    if (name.includes('/')) throw new ValidationError("group name may not contain '/'", { field: 'name' });
    return this.ctx.run(actor, 'resource-group.create', { kind: 'group', name }, async (s) => {
      this.ctx.authz.require(actor, 'resource-group.create');
      if (await s.repos.resourceGroups.byOwnerAndName(actor.user.id, name))
        throw new ConflictError(`you already have a group '${name}'`);
      const g: ResourceGroup = {
        id: this.ctx.ids.next(),
        name,
        description: checkText('description', input.description, 2000),
        kind: input.kind === 'criteria' ? 'criteria' : 'static',
        ownerId: actor.user.id,
        parentId: await this.parentId(s, actor, input.parent ?? null, null),
        policyId: await this.policyId(s, input.policy ?? null),
        criteria: checkCriteria(input.kind, input.criteria),
        match: input.match === 'any' ? 'any' : 'all',
        createdAt: this.ctx.now(),
      };
      await s.repos.resourceGroups.insert(g);
      await s.audit(
        'resource-group.create',
        { kind: 'group', name },
        { kind: g.kind, criteria: g.criteria, match: g.match },
      );
      return g;
    });
  }

  private async policyId(s: OpScope, policy: string | null): Promise<string | null> {
    if (!policy) return null;
    const p = await s.repos.policies.byName(policy);
    if (!p) throw new NotFoundError('policy', policy);
    return p.id;
  }

  /** A parent must be the actor's own group, and nesting may not loop. */
  private async parentId(
    s: OpScope,
    actor: Actor,
    parent: string | null,
    self: string | null,
  ): Promise<string | null> {
    if (!parent) return null;
    const p = await loadGroup(s.repos, parent);
    if ((await s.access.onGroup(p)) === 'none') throw new NotFoundError('resource group', parent);
    if (p.ownerId !== actor.user.id && actor.kind !== 'host')
      throw new ForbiddenError('a sub-group can only be placed under one of your own groups');
    for (let cur: ResourceGroup | undefined = p, depth = 0; cur; depth++) {
      if (cur.id === self || depth > 64)
        throw new ValidationError('groups cannot be nested inside themselves', { field: 'parent' });
      cur = cur.parentId ? await s.repos.resourceGroups.byId(cur.parentId) : undefined;
    }
    return p.id;
  }

  async update(
    actor: Actor,
    ref: string,
    patch: Partial<Omit<GroupInput, 'kind' | 'name'>>,
  ): Promise<ResourceGroup> {
    return this.ctx.run(actor, 'resource-group.update', { kind: 'group', name: ref }, async (s) => {
      const g = await loadGroup(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'resource-group.update', await s.access.onGroup(g), {
        kind: 'group',
        name: ref,
      });
      const next: ResourceGroup = {
        ...g,
        description:
          patch.description !== undefined ? checkText('description', patch.description, 2000) : g.description,
        parentId: patch.parent !== undefined ? await this.parentId(s, actor, patch.parent, g.id) : g.parentId,
        policyId: patch.policy !== undefined ? await this.policyId(s, patch.policy) : g.policyId,
        criteria: patch.criteria !== undefined ? checkCriteria(g.kind, patch.criteria) : g.criteria,
        match: patch.match ?? g.match,
      };
      await s.repos.resourceGroups.update(next);
      await s.audit('resource-group.update', { kind: 'group', name: ref }, { fields: Object.keys(patch) });
      return next;
    });
  }

  async addResource(actor: Actor, ref: string, resourceName: string): Promise<void> {
    await this.ctx.run(actor, 'resource-group.update', { kind: 'group', name: ref }, async (s) => {
      const g = await loadGroup(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'resource-group.update', await s.access.onGroup(g), {
        kind: 'group',
        name: ref,
      });
      if (g.kind !== 'static')
        throw new ValidationError('criteria groups take their members from their criteria', {
          field: 'group',
        });
      const r = await loadResource(s.repos, resourceName);
      // Putting a resource in a group is delegating it to whoever the group is shared with.
      this.ctx.authz.requireOn(actor, 'resource.update', await s.access.onResource(r), {
        kind: 'resource',
        name: resourceName,
      });
      await s.repos.resourceGroups.addMember(g.id, r.id);
      await s.audit('resource-group.member-add', { kind: 'group', name: ref }, { resource: resourceName });
    });
  }

  async removeResource(actor: Actor, ref: string, resourceName: string): Promise<void> {
    await this.ctx.run(actor, 'resource-group.update', { kind: 'group', name: ref }, async (s) => {
      const g = await loadGroup(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'resource-group.update', await s.access.onGroup(g), {
        kind: 'group',
        name: ref,
      });
      const r = await loadResource(s.repos, resourceName);
      if ((await s.access.onResource(r)) === 'none') throw new NotFoundError('resource', resourceName);
      await s.repos.resourceGroups.removeMember(g.id, r.id);
      await s.audit('resource-group.member-remove', { kind: 'group', name: ref }, { resource: resourceName });
    });
  }

  /** The group's resources that the actor may see, at this moment (criteria are evaluated now). */
  async members(actor: Actor, ref: string): Promise<string[]> {
    return this.ctx.run(actor, 'resource-group.view', { kind: 'group', name: ref }, async (s) => {
      const g = await loadGroup(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'resource-group.view', await s.access.onGroup(g), {
        kind: 'group',
        name: ref,
      });
      return (await this.memberResources(s, g)).map((r) => r.name).sort();
    });
  }

  async memberResources(s: OpScope, g: ResourceGroup): Promise<Resource[]> {
    if (g.kind === 'static') return s.repos.resources.byIds(await s.repos.resourceGroups.staticMembers(g.id));
    return s.repos.visibility.criteriaMembers(g);
  }

  /**
   * Deleting a group leaves its resources alone; shares made on the group vanish with it.
   * Sub-groups move up to the root.
   */
  async remove(actor: Actor, ref: string): Promise<void> {
    await this.ctx.run(actor, 'resource-group.delete', { kind: 'group', name: ref }, async (s) => {
      const g = await loadGroup(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'resource-group.delete', await s.access.onGroup(g), {
        kind: 'group',
        name: ref,
      });
      await s.repos.shares.removeForObject('group', g.id);
      await s.repos.resourceGroups.remove(g.id);
      await s.audit('resource-group.delete', { kind: 'group', name: ref });
    });
  }

  /**
   * Ownership goes to another administrator. A criteria group cannot be transferred: what it holds
   * depends on what its owner may manage, so it would change meaning with the owner.
   */
  async transfer(actor: Actor, ref: string, toUsername: string): Promise<void> {
    await this.ctx.run(actor, 'resource-group.transfer', { kind: 'group', name: ref }, async (s) => {
      const g = await loadGroup(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'resource-group.transfer', await s.access.onGroup(g), {
        kind: 'group',
        name: ref,
      });
      if (g.kind === 'criteria')
        throw new ValidationError('criteria-based groups cannot be transferred', { field: 'group' });
      const to = await s.repos.users.byName(toUsername);
      if (!to) throw new NotFoundError('user', toUsername);
      if (to.role !== 'admin' && to.role !== 'password-admin')
        throw new ForbiddenError(`ownership can only go to an administrator or password administrator`);
      if (await s.repos.resourceGroups.byOwnerAndName(to.id, g.name))
        throw new ConflictError(`'${toUsername}' already has a group '${g.name}'`);
      await s.repos.resourceGroups.update({ ...g, ownerId: to.id, parentId: null });
      await s.audit('resource-group.transfer', { kind: 'group', name: ref }, { to: toUsername });
    });
  }
}
