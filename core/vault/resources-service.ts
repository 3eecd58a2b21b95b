import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { checkName, checkText } from '../identity/names.ts';
import {
  CLIPBOARD_POLICIES,
  clipboardPolicyOf,
  type ClipboardPolicy,
  type Resource,
  type ResourceType,
} from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import { DEFAULT_PORTS } from './builtin-types.ts';
import { readCustomValues, writeCustomValues, type CustomInput, type CustomOutput } from './custom-values.ts';
import { loadResource } from './refs.ts';

export interface ResourceInput {
  name: string;
  type: string;
  dnsName?: string;
  port?: number | null;
  description?: string;
  department?: string;
  location?: string;
  url?: string;
  domainName?: string;
  policy?: string | null;
  custom?: CustomInput;
  /** Port forwarding through the gateway to this resource (refused unless set). */
  allowPortForwarding?: boolean;
  /** SFTP recordings of this resource keep the file contents too (off unless set). */
  recordFileContents?: boolean;
  /** Clipboard of RDP sessions to this resource (off unless set). */
  clipboard?: ClipboardPolicy;
}

export interface ResourceView extends Resource {
  typeName: string;
  ownerName: string;
  custom: CustomOutput;
  accounts: string[];
  access: string;
}

export function checkResourceName(name: string): string {
  const v = checkName('resource name', name, 200);
  // '/' separates resource from account in RESOURCE/ACCOUNT; ':' and '@' are taken by the
  // direct-target SSH username USER:ACCOUNT@RESOURCE.
  if (/[/:@\s]/.test(v))
    throw new ValidationError(`resource name '${v.slice(0, 80)}' may not contain '/', ':', '@' or spaces`, {
      field: 'name',
    });
  return v;
}

function checkPort(port: number | null | undefined): number | null {
  if (port === undefined || port === null) return null;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ValidationError(`port must be 1–65535`, { field: 'port' });
  return port;
}

/** Resources: owner-based, shared by the owner or a manager. */
export class ResourcesService {
  constructor(private readonly ctx: CoreContext) {}

  async create(actor: Actor, input: ResourceInput): Promise<ResourceView> {
    const name = checkResourceName(input.name);
    return this.ctx.run(actor, 'resource.create', { kind: 'resource', name }, async (s) => {
      this.ctx.authz.require(actor, 'resource.create');
      const resource = await this.insertResource(s, actor, { ...input, name });
      return this.view(s, resource, 'owner');
    });
  }

  /** Also used by CSV import inside its per-line transaction. */
  async insertResource(s: OpScope, actor: Actor, input: ResourceInput): Promise<Resource> {
    const type = await s.repos.types.byName(input.type);
    if (!type)
      throw new ValidationError(`unknown resource type '${input.type.slice(0, 80)}'`, { field: 'type' });
    if (await s.repos.resources.byName(input.name))
      throw new ConflictError(`resource '${input.name}' already exists`);
    const now = this.ctx.now();
    const resource: Resource = {
      id: this.ctx.ids.next(),
      ...(await this.fields(s.repos, type, input)),
      name: input.name,
      ownerId: actor.user.id,
      allowPortForwarding: !!input.allowPortForwarding,
      recordFileContents: !!input.recordFileContents,
      clipboard: checkedClipboard(input.clipboard),
      createdAt: now,
      updatedAt: now,
    };
    await s.repos.resources.insert(resource);
    if (input.custom)
      await writeCustomValues(s.repos, this.ctx.keyring, 'resource', resource.id, type, input.custom);
    await s.audit(
      'resource.create',
      { kind: 'resource', name: resource.name },
      { type: type.name, dnsName: resource.dnsName },
    );
    return resource;
  }

  private async fields(repos: Repos, type: ResourceType, input: Partial<ResourceInput>) {
    for (const [attr, value] of [
      ['department', input.department],
      ['location', input.location],
      ['url', input.url],
      ['domain-name', input.domainName],
    ] as const) {
      if (value && type.hiddenAttributes.includes(attr)) {
        throw new ValidationError(`type '${type.name}' does not use the ${attr} attribute`, { field: attr });
      }
    }
    let policyId: string | null = null;
    if (input.policy) {
      const p = await repos.policies.byName(input.policy);
      if (!p) throw new NotFoundError('policy', input.policy);
      policyId = p.id;
    }
    const dnsName = checkText('DNS name', input.dnsName, 255);
    if (/\s/.test(dnsName))
      throw new ValidationError('DNS name may not contain spaces', { field: 'dns-name' });
    return {
      typeId: type.id,
      dnsName,
      port: checkPort(input.port) ?? DEFAULT_PORTS[type.protocol] ?? null,
      description: checkText('description', input.description, 2000),
      department: checkText('department', input.department, 100),
      location: checkText('location', input.location, 100),
      url: checkText('URL', input.url, 2000),
      domainName: checkText('domain name', input.domainName, 255),
      policyId,
    };
  }

  async view(s: OpScope, resource: Resource, access: string): Promise<ResourceView> {
    const type = await s.repos.types.byId(resource.typeId);
    const owner = await s.repos.users.byId(resource.ownerId);
    const accounts = await s.repos.accounts.ofResource(resource.id);
    const visible: string[] = [];
    for (const a of accounts) if ((await s.access.onAccount(a, resource)) !== 'none') visible.push(a.name);
    return {
      ...resource,
      typeName: type?.name ?? '?',
      ownerName: owner?.username ?? '?',
      custom: await readCustomValues(s.repos, 'resource', resource.id),
      accounts: visible,
      access,
    };
  }

  async get(actor: Actor, name: string): Promise<ResourceView> {
    return this.ctx.run(actor, 'resource.view', { kind: 'resource', name }, async (s) => {
      const r = await loadResource(s.repos, name);
      const level = await s.access.onResource(r);
      const anyAccount = level === 'none' ? await this.seesAnyAccount(s, r) : true;
      this.ctx.authz.requireOn(
        actor,
        'resource.view',
        anyAccount ? (level === 'none' ? 'view' : level) : 'none',
        { kind: 'resource', name },
      );
      return this.view(s, r, level === 'none' ? 'account-share' : level);
    });
  }

  /** A resource is visible to someone who holds a share on one of its accounts. */
  private async seesAnyAccount(s: OpScope, r: Resource): Promise<boolean> {
    for (const a of await s.repos.accounts.ofResource(r.id))
      if ((await s.access.onAccount(a, r)) !== 'none') return true;
    return false;
  }

  async update(
    actor: Actor,
    name: string,
    patch: Partial<Omit<ResourceInput, 'name'>>,
  ): Promise<ResourceView> {
    return this.ctx.run(actor, 'resource.update', { kind: 'resource', name }, async (s) => {
      const r = await loadResource(s.repos, name);
      const level = await s.access.onResource(r);
      this.ctx.authz.requireOn(actor, 'resource.update', level, { kind: 'resource', name });
      const type = patch.type ? await s.repos.types.byName(patch.type) : await s.repos.types.byId(r.typeId);
      if (!type) throw new ValidationError(`unknown resource type '${patch.type}'`, { field: 'type' });
      const merged = { ...r, ...patch, policy: patch.policy === undefined ? undefined : patch.policy };
      const f = await this.fields(s.repos, type, merged);
      const next: Resource = {
        ...r,
        ...f,
        policyId: patch.policy === undefined ? r.policyId : f.policyId,
        allowPortForwarding: patch.allowPortForwarding ?? r.allowPortForwarding,
        recordFileContents: patch.recordFileContents ?? !!r.recordFileContents,
        clipboard:
          patch.clipboard === undefined ? clipboardPolicyOf(r.clipboard) : checkedClipboard(patch.clipboard),
        updatedAt: this.ctx.now(),
      };
      await s.repos.resources.update(next);
      // The pinned host key belongs to the old address: a new host or port starts over (trust on
      // first use again), else the first connection to the new address would fail as a changed key.
      if (next.dnsName !== r.dnsName || next.port !== r.port) {
        const dropped = (await s.repos.hostKeys.all()).filter((x) => x.resourceId === r.id);
        if (dropped.length > 0) {
          await s.repos.hostKeys.forget(r.id);
          await s.audit(
            'host-key.forget',
            { kind: 'resource', name },
            {
              reason: 'address-changed',
              from: `${r.dnsName}:${r.port ?? '-'}`,
              to: `${next.dnsName}:${next.port ?? '-'}`,
              dropped: dropped.map((x) => ({ keyType: x.keyType, fingerprint: x.fingerprint })),
            },
          );
        }
      }
      if (patch.custom)
        await writeCustomValues(s.repos, this.ctx.keyring, 'resource', r.id, type, patch.custom);
      await s.audit('resource.update', { kind: 'resource', name }, { fields: Object.keys(patch) });
      return this.view(s, next, level);
    });
  }

  /** Deleting a resource removes its accounts and passwords for good (there is no recycle bin). */
  async remove(actor: Actor, name: string): Promise<void> {
    await this.ctx.run(actor, 'resource.delete', { kind: 'resource', name }, async (s) => {
      const r = await loadResource(s.repos, name);
      this.ctx.authz.requireOn(actor, 'resource.delete', await s.access.onResource(r), {
        kind: 'resource',
        name,
      });
      const accounts = await s.repos.accounts.ofResource(r.id);
      for (const a of accounts) await s.repos.shares.removeForObject('account', a.id);
      await s.repos.fields.removeValuesOf(
        'account',
        accounts.map((a) => a.id),
      );
      await s.repos.fields.removeValuesOf('resource', [r.id]);
      await s.repos.shares.removeForObject('resource', r.id);
      await s.repos.resources.remove(r.id);
      await s.audit('resource.delete', { kind: 'resource', name }, { accounts: accounts.length });
    });
  }

  /**
   * Ownership goes to another administrator; the old owner keeps no access unless the new one
   * shares it back; the shares already made stay.
   */
  async transfer(actor: Actor, name: string, toUsername: string): Promise<void> {
    await this.ctx.run(actor, 'resource.transfer', { kind: 'resource', name }, async (s) => {
      const r = await loadResource(s.repos, name);
      this.ctx.authz.requireOn(actor, 'resource.transfer', await s.access.onResource(r), {
        kind: 'resource',
        name,
      });
      const to = await s.repos.users.byName(toUsername);
      if (!to) throw new NotFoundError('user', toUsername);
      if (to.role !== 'admin' && to.role !== 'password-admin') {
        throw new ForbiddenError(
          `ownership can only go to an administrator or password administrator, not '${toUsername}'`,
        );
      }
      await s.repos.resources.update({ ...r, ownerId: to.id, updatedAt: this.ctx.now() });
      const from = await s.repos.users.byId(r.ownerId);
      await s.audit(
        'resource.transfer',
        { kind: 'resource', name },
        { from: from?.username ?? r.ownerId, to: toUsername },
      );
    });
  }

  /**
   * `resource list`: the resources the caller may see (a share on the resource or on one of its
   * accounts, or a role that sees all), by name; `search` matches name, DNS name or description.
   */
  async list(
    actor: Actor,
    search = '',
  ): Promise<{ name: string; typeName: string; dnsName: string; port: number | null; access: string }[]> {
    return this.ctx.run(actor, 'resource.view', { kind: 'explorer', name: 'resources' }, async (s) => {
      this.ctx.authz.require(actor, 'resource.view');
      const needle = search.trim().toLowerCase();
      const typeNames = new Map((await s.repos.types.list()).map((t) => [t.id, t.name]));
      const out = [];
      for (const r of await s.repos.resources.list()) {
        if (needle && ![r.name, r.dnsName, r.description].some((f) => f.toLowerCase().includes(needle)))
          continue;
        const level = await s.access.onResource(r);
        if (level === 'none' && !(await this.seesAnyAccount(s, r))) continue;
        out.push({
          name: r.name,
          typeName: typeNames.get(r.typeId) ?? '?',
          dnsName: r.dnsName,
          port: r.port,
          access: level === 'none' ? 'account-share' : level,
        });
      }
      return out;
    });
  }
}

/** The policy given, checked (the CLI and the API pass user text). */
function checkedClipboard(v: ClipboardPolicy | undefined): ClipboardPolicy {
  if (v === undefined) return 'off';
  if (!CLIPBOARD_POLICIES.includes(v))
    throw new ValidationError(
      `clipboard policy '${String(v).slice(0, 40)}' is not one of ${CLIPBOARD_POLICIES.join(', ')}`,
      {
        field: 'clipboard',
      },
    );
  return v;
}
