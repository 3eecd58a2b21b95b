import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Resource } from '../model.ts';
import { EXPECTED_HOST_KEY } from '../storage/repos/gateway.ts';
import { loadResource } from '../vault/refs.ts';

export interface HostKeyView {
  /** The pinned resource. */
  resource: string;
  /** Landing servers whose primary or secondary account is on this resource (they hop through its key). */
  landings: string[];
  host: string;
  port: number | null;
  /** The key type, or null for an accepted fingerprint not yet seen (`hostkey accept --fingerprint`). */
  keyType: string | null;
  fingerprint: string;
  /** When the pin was recorded, or when the expectation was set. */
  firstSeen: string;
  state: 'pinned' | 'expected';
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/**
 * Pinned target host keys: administrators who manage a resource list and show its
 * pins and accept a changed key, either by clearing the pin (trust on first use: the next
 * connection records whatever key it meets) or by naming the expected SHA256 fingerprint (the
 * next connection must present exactly it). A landing server is pinned through the resource of
 * its primary/secondary account, so naming a landing server acts on those resources.
 */
export class HostKeysService {
  constructor(private readonly ctx: CoreContext) {}

  async list(actor: Actor): Promise<HostKeyView[]> {
    return this.ctx.run(actor, 'host-key.manage', { kind: 'host-key', name: '*' }, async (s) => {
      this.ctx.authz.require(actor, 'host-key.manage');
      const rows = await s.repos.hostKeys.all();
      const byId = new Map<string, Resource>();
      for (const r of await s.repos.resources.byIds([...new Set(rows.map((x) => x.resourceId))]))
        if (this.ctx.authz.allows(actor, 'host-key.manage', await s.access.onResource(r))) byId.set(r.id, r);
      const landings = await this.landingsByResource(s);
      return rows.flatMap((x) => {
        const r = byId.get(x.resourceId);
        return r ? [this.view(r, landings.get(r.id) ?? [], x)] : [];
      });
    });
  }

  /** The pins of a resource, or of the resources a landing server logs in to. */
  async show(actor: Actor, name: string): Promise<HostKeyView[]> {
    return this.ctx.run(actor, 'host-key.manage', { kind: 'resource', name }, async (s) => {
      const landings = await this.landingsByResource(s);
      const out: HostKeyView[] = [];
      for (const r of await this.resolve(actor, s, name))
        for (const x of await this.pinsOf(s, r.id)) out.push(this.view(r, landings.get(r.id) ?? [], x));
      return out;
    });
  }

  /** Pins of one resource for `resource show`: seeing the fingerprint only needs view. */
  async pinsFor(actor: Actor, name: string): Promise<HostKeyView[]> {
    return this.ctx.run(actor, 'resource.view', { kind: 'resource', name }, async (s) => {
      const r = await loadResource(s.repos, name);
      this.ctx.authz.requireOn(actor, 'resource.view', await s.access.onResource(r), {
        kind: 'resource',
        name,
      });
      const landings = await this.landingsByResource(s);
      return (await this.pinsOf(s, r.id)).map((x) => this.view(r, landings.get(r.id) ?? [], x));
    });
  }

  async accept(
    actor: Actor,
    name: string,
    fingerprint?: string,
  ): Promise<{ resources: string[]; mode: 'trust-on-first-use' | 'expected'; fingerprint: string | null }> {
    if (fingerprint !== undefined && !FINGERPRINT.test(fingerprint))
      throw new ValidationError(
        `--fingerprint takes SHA256:<43 base64 characters>, as ssh-keygen -lf prints it`,
        {
          field: 'fingerprint',
        },
      );
    return this.ctx.run(actor, 'host-key.manage', { kind: 'resource', name }, async (s) => {
      const targets = await this.resolve(actor, s, name);
      for (const r of targets) {
        const previous = (await this.pinsOf(s, r.id)).map((x) => ({
          keyType: x.keyType,
          fingerprint: x.fingerprint,
        }));
        await s.repos.hostKeys.forget(r.id);
        if (fingerprint) await s.repos.hostKeys.record(r.id, EXPECTED_HOST_KEY, fingerprint, this.ctx.now());
        await s.audit(
          'host-key.accept',
          { kind: 'resource', name: r.name },
          {
            mode: fingerprint ? 'expected' : 'trust-on-first-use',
            ...(fingerprint ? { expected: fingerprint } : {}),
            previous,
            ...(r.name !== name ? { landing: name } : {}),
          },
        );
      }
      return {
        resources: targets.map((r) => r.name),
        mode: fingerprint ? 'expected' : 'trust-on-first-use',
        fingerprint: fingerprint ?? null,
      };
    });
  }

  /** A resource, else a landing server's resources; unknown and forbidden get the same answer. */
  private async resolve(actor: Actor, s: OpScope, name: string): Promise<Resource[]> {
    // The role first (a non-administrator is forbidden whatever it names), then the object.
    this.ctx.authz.require(actor, 'host-key.manage');
    const direct = await s.repos.resources.byName(name);
    const landing = direct ? undefined : await s.repos.landing.byName(name);
    if (!direct && !landing) throw new NotFoundError('resource', name);
    const resources: Resource[] = [];
    if (direct) resources.push(direct);
    else if (landing)
      for (const id of [landing.primaryAccountId, landing.secondaryAccountId]) {
        const a = id ? await s.repos.accounts.byId(id) : undefined;
        const r = a ? await s.repos.resources.byId(a.resourceId) : undefined;
        if (r && !resources.some((x) => x.id === r.id)) resources.push(r);
      }
    for (const r of resources)
      this.ctx.authz.requireOn(actor, 'host-key.manage', await s.access.onResource(r), {
        kind: 'resource',
        name,
      });
    return resources;
  }

  private async pinsOf(s: OpScope, resourceId: string) {
    return (await s.repos.hostKeys.all()).filter((x) => x.resourceId === resourceId);
  }

  private async landingsByResource(s: OpScope): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const l of await s.repos.landing.list())
      for (const id of [l.primaryAccountId, l.secondaryAccountId]) {
        const a = id ? await s.repos.accounts.byId(id) : undefined;
        if (!a) continue;
        const names = out.get(a.resourceId) ?? [];
        if (!names.includes(l.name)) names.push(l.name);
        out.set(a.resourceId, names);
      }
    return out;
  }

  private view(
    r: Resource,
    landings: string[],
    x: { keyType: string; fingerprint: string; firstSeen: string },
  ): HostKeyView {
    const expected = x.keyType === EXPECTED_HOST_KEY;
    return {
      resource: r.name,
      landings,
      host: r.dnsName,
      port: r.port,
      keyType: expected ? null : x.keyType,
      fingerprint: x.fingerprint,
      firstSeen: x.firstSeen,
      state: expected ? 'expected' : 'pinned',
    };
  }
}
