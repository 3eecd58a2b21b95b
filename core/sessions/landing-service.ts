import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError, TargetError, ValidationError } from '../errors.ts';
import { checkName, checkText } from '../identity/names.ts';
import type { Resource } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import { DEFAULT_PORTS } from '../vault/builtin-types.ts';
import { loadAccount, loadResource } from '../vault/refs.ts';
import type { Hop, HopCandidate } from './types.ts';
import type { AccessResolver } from '../authz/resolver.ts';
import { HIDDEN_ACCOUNT } from '../vault/refs.ts';

export interface LandingView {
  name: string;
  description: string;
  location: string;
  primary: string;
  secondary: string | null;
  associated: string[];
}

/** The deepest chain we follow: a loop or a runaway configuration stops here with an error. */
const MAX_HOPS = 8;

/**
 * Landing servers (jump hosts the gateway logs in to on the operator's behalf): named identities
 * with a primary and an optional secondary resource/account, and associations "landing L reaches
 * resource R". A landing server's own resource can itself be associated with another landing
 * server, which is how chains form; the route to a resource is found by walking those associations
 * back towards the gateway.
 */
export class LandingService {
  constructor(private readonly ctx: CoreContext) {}

  async add(
    actor: Actor,
    input: { name: string; primary: string; secondary?: string; description?: string; location?: string },
  ): Promise<LandingView> {
    const name = checkName('landing server name', input.name, 100);
    return this.ctx.run(actor, 'landing.manage', { kind: 'landing', name }, async (s) => {
      this.ctx.authz.require(actor, 'landing.manage');
      if (await s.repos.landing.byName(name))
        throw new ConflictError(`landing server '${name}' already exists`);
      // A landing server's account is used for every session routed through it: the actor must
      // be able to use it (view), and one it cannot see is answered exactly as a missing one.
      const usable = async (ref: string) => {
        const found = await loadAccount(s.repos, ref);
        this.ctx.authz.requireOn(
          actor,
          'session.open',
          await s.access.onAccount(found.account, found.resource),
          {
            kind: 'account',
            name: ref,
          },
        );
        return found;
      };
      const primary = await usable(input.primary);
      const secondary = input.secondary ? await usable(input.secondary) : undefined;
      for (const x of [primary, secondary]) {
        if (!x) continue;
        const type = await s.repos.types.byId(x.resource.typeId);
        if (type?.protocol !== 'ssh')
          throw new ValidationError(
            `landing server '${x.resource.name}' must be an SSH resource (type ${type?.name})`,
            { field: 'primary' },
          );
        if (!x.resource.dnsName)
          throw new ValidationError(`landing server '${x.resource.name}' has no DNS name or address`, {
            field: 'primary',
          });
      }
      await s.repos.landing.insert({
        id: this.ctx.ids.next(),
        name,
        description: checkText('description', input.description, 1000),
        location: checkText('location', input.location, 100),
        primaryAccountId: primary.account.id,
        secondaryAccountId: secondary?.account.id ?? null,
        createdAt: this.ctx.now(),
      });
      await s.audit(
        'landing.create',
        { kind: 'landing', name },
        { primary: input.primary, secondary: input.secondary ?? null },
      );
      return this.view(s.repos, s.access, name);
    });
  }

  async associate(actor: Actor, landing: string, resourceName: string, on = true): Promise<void> {
    await this.ctx.run(actor, 'landing.manage', { kind: 'landing', name: landing }, async (s) => {
      this.ctx.authz.require(actor, 'landing.manage');
      const l = await s.repos.landing.byName(landing);
      if (!l) throw new NotFoundError('landing server', landing);
      const r = await loadResource(s.repos, resourceName);
      // Routing a resource through a landing server changes how it is reached: managing it.
      this.ctx.authz.requireOn(actor, 'resource.update', await s.access.onResource(r), {
        kind: 'resource',
        name: resourceName,
      });
      if (on) {
        await s.repos.landing.associate(l.id, r.id);
        // Refuse an association that makes the chain loop.
        await routeTo(s.repos, r);
        await s.audit('landing.associate', { kind: 'landing', name: landing }, { resource: resourceName });
      } else {
        if ((await s.repos.landing.dissociate(l.id, r.id)) === 0)
          throw new NotFoundError('association', `${landing} → ${resourceName}`);
        await s.audit('landing.dissociate', { kind: 'landing', name: landing }, { resource: resourceName });
      }
    });
  }

  async remove(actor: Actor, landing: string): Promise<void> {
    await this.ctx.run(actor, 'landing.manage', { kind: 'landing', name: landing }, async (s) => {
      this.ctx.authz.require(actor, 'landing.manage');
      const l = await s.repos.landing.byName(landing);
      if (!l) throw new NotFoundError('landing server', landing);
      await s.repos.landing.remove(l.id);
      await s.audit('landing.delete', { kind: 'landing', name: landing });
    });
  }

  async list(actor: Actor): Promise<LandingView[]> {
    return this.ctx.run(actor, 'landing.list', { kind: 'landing', name: '*' }, async (s) => {
      this.ctx.authz.require(actor, 'landing.list');
      return Promise.all((await s.repos.landing.list()).map((l) => this.view(s.repos, s.access, l.name)));
    });
  }

  /** The route to a resource, by name (for display and tests). */
  async route(actor: Actor, resourceName: string): Promise<Hop[]> {
    return this.ctx.run(actor, 'landing.list', { kind: 'resource', name: resourceName }, async (s) => {
      this.ctx.authz.require(actor, 'landing.list');
      const r = await loadResource(s.repos, resourceName);
      this.ctx.authz.requireOn(actor, 'resource.view', await s.access.onResource(r), {
        kind: 'resource',
        name: resourceName,
      });
      return routeTo(s.repos, r);
    });
  }

  /** Names only what `seer`'s actor may see: other accounts and resources stay unnamed. */
  private async view(repos: Repos, seer: AccessResolver, name: string): Promise<LandingView> {
    const l = (await repos.landing.byName(name))!;
    const ref = async (accountId: string | null) => {
      if (!accountId) return null;
      const a = await repos.accounts.byId(accountId);
      const r = a ? await repos.resources.byId(a.resourceId) : undefined;
      if (!a || !r) return null;
      return (await seer.onAccount(a, r)) === 'none' ? HIDDEN_ACCOUNT : `${r.name}/${a.name}`;
    };
    const associated: string[] = [];
    for (const r of await repos.resources.byIds(await repos.landing.associations(l.id)))
      if ((await seer.onResource(r)) !== 'none') associated.push(r.name);
    associated.sort();
    return {
      name: l.name,
      description: l.description,
      location: l.location,
      primary: (await ref(l.primaryAccountId)) ?? '?',
      secondary: await ref(l.secondaryAccountId),
      associated,
    };
  }
}

async function candidate(
  repos: Repos,
  landing: string,
  role: HopCandidate['role'],
  accountId: string,
): Promise<HopCandidate | undefined> {
  const account = await repos.accounts.byId(accountId);
  const resource = account ? await repos.resources.byId(account.resourceId) : undefined;
  if (!account || !resource) return undefined;
  return {
    landing,
    role,
    resource: resource.name,
    account: account.name,
    ref: `${resource.name}/${account.name}`,
    protocol: 'ssh',
    host: resource.dnsName,
    port: resource.port ?? DEFAULT_PORTS.ssh!,
  };
}

/**
 * Landing servers from the gateway outwards to `target`. Where several landing servers are
 * associated with one resource, the first by name is used, so a route is always one path and does
 * not depend on the order the associations were made. The secondary of a landing server is reached
 * the same way as its primary.
 */
export async function routeTo(repos: Repos, target: Resource): Promise<Hop[]> {
  const hops: Hop[] = [];
  const seen = new Set<string>([target.id]);
  let current: Resource = target;
  for (;;) {
    const [landing] = await repos.landing.landingsFor(current.id);
    if (!landing) break;
    const candidates = (
      await Promise.all([
        candidate(repos, landing.name, 'primary', landing.primaryAccountId),
        landing.secondaryAccountId
          ? candidate(repos, landing.name, 'secondary', landing.secondaryAccountId)
          : undefined,
      ])
    ).filter((c): c is HopCandidate => !!c);
    if (!candidates.length) throw new TargetError(`landing server '${landing.name}' has no usable account`);
    hops.unshift({ landing: landing.name, candidates });
    const primaryAccount = await repos.accounts.byId(landing.primaryAccountId);
    const next = primaryAccount ? await repos.resources.byId(primaryAccount.resourceId) : undefined;
    if (!next) break;
    if (seen.has(next.id) || hops.length > MAX_HOPS) {
      throw new ValidationError(
        `landing servers form a loop or a chain longer than ${MAX_HOPS} at '${landing.name}'`,
        { field: 'landing' },
      );
    }
    seen.add(next.id);
    current = next;
  }
  return hops;
}
