import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { checkName } from '../identity/names.ts';
import type { Resource } from '../model.ts';
import { readSettings, writeSettings } from '../settings/system-settings.ts';
import type { Repos } from '../storage/repos/index.ts';
import { validatePolicyDefinition, type PasswordPolicy } from './policy.ts';

export type PolicyInput = Omit<PasswordPolicy, 'id' | 'builtin'>;

/** Custom password policies and the rules for which policy applies where. */
export class PoliciesService {
  constructor(private readonly ctx: CoreContext) {}

  async list(actor: Actor): Promise<(PasswordPolicy & { isDefault: boolean })[]> {
    this.ctx.authz.require(actor, 'policy.list');
    return this.ctx.store.read(async (r) => {
      const def = (await readSettings(r)).defaultPolicyId;
      return (await r.policies.list()).map((p) => ({ ...p, isDefault: p.id === def }));
    });
  }

  async create(actor: Actor, input: PolicyInput): Promise<PasswordPolicy> {
    const name = checkName('policy name', input.name, 100);
    return this.ctx.run(actor, 'policy.create', { kind: 'policy', name }, async (s) => {
      this.ctx.authz.require(actor, 'policy.create');
      const policy = validatePolicyDefinition({ ...input, name, id: this.ctx.ids.next(), builtin: false });
      if (await s.repos.policies.byName(name)) throw new ConflictError(`policy '${name}' already exists`);
      await s.repos.policies.insert(policy, this.ctx.now());
      await s.audit('policy.create', { kind: 'policy', name }, { ...policy });
      return policy;
    });
  }

  async update(actor: Actor, name: string, patch: Partial<PolicyInput>): Promise<PasswordPolicy> {
    return this.ctx.run(actor, 'policy.update', { kind: 'policy', name }, async (s) => {
      this.ctx.authz.require(actor, 'policy.update');
      const old = await s.repos.policies.byName(name);
      if (!old) throw new NotFoundError('policy', name);
      if (old.builtin)
        throw new ValidationError(`built-in policy '${old.name}' cannot be edited`, { field: 'name' });
      const next = validatePolicyDefinition({ ...old, ...patch, id: old.id, builtin: false });
      if (next.name !== old.name && (await s.repos.policies.byName(next.name)))
        throw new ConflictError(`policy '${next.name}' already exists`);
      await s.repos.policies.update(next);
      await s.audit('policy.update', { kind: 'policy', name: next.name }, { before: old, after: next });
      return next;
    });
  }

  async remove(actor: Actor, name: string): Promise<void> {
    await this.ctx.run(actor, 'policy.delete', { kind: 'policy', name }, async (s) => {
      this.ctx.authz.require(actor, 'policy.delete');
      const p = await s.repos.policies.byName(name);
      if (!p) throw new NotFoundError('policy', name);
      if (p.builtin)
        throw new ValidationError(`built-in policy '${p.name}' cannot be deleted`, { field: 'name' });
      if ((await readSettings(s.repos)).defaultPolicyId === p.id)
        throw new ConflictError(`policy '${p.name}' is the default policy`);
      if (await s.repos.policies.inUse(p.id))
        throw new ConflictError(`policy '${p.name}' is used by resources or groups`);
      await s.repos.policies.remove(p.id);
      await s.audit('policy.delete', { kind: 'policy', name: p.name });
    });
  }

  async setDefault(actor: Actor, name: string): Promise<void> {
    await this.ctx.run(actor, 'policy.set-default', { kind: 'policy', name }, async (s) => {
      this.ctx.authz.require(actor, 'policy.set-default');
      const p = await s.repos.policies.byName(name);
      if (!p) throw new NotFoundError('policy', name);
      await writeSettings(s.repos, { defaultPolicyId: p.id });
      await s.audit('policy.default-change', { kind: 'policy', name: p.name });
    });
  }
}

export async function policyByName(repos: Repos, name: string): Promise<PasswordPolicy> {
  const p = await repos.policies.byName(name);
  if (!p) throw new NotFoundError('policy', name);
  return p;
}

/**
 * The policy for a resource's accounts: the resource's own, else its groups' (the resource
 * level overrides the group; of several groups, the one demanding the longest password), else the
 * system default.
 */
export async function effectivePolicy(
  repos: Repos,
  resource: Pick<Resource, 'id' | 'policyId'>,
): Promise<PasswordPolicy> {
  if (resource.policyId) {
    const own = await repos.policies.byId(resource.policyId);
    if (own) return own;
  }
  const groupIds = await repos.resourceGroups.staticGroupsOf(resource.id);
  const groups = await repos.resourceGroups.byIds(groupIds);
  const fromGroups = (
    await Promise.all(groups.filter((g) => g.policyId).map((g) => repos.policies.byId(g.policyId!)))
  ).filter((p): p is PasswordPolicy => !!p);
  if (fromGroups.length) return fromGroups.sort((a, b) => b.minLength - a.minLength)[0]!;
  const def = await repos.policies.byId((await readSettings(repos)).defaultPolicyId);
  if (def) return def;
  return policyByName(repos, 'Strong');
}
