import { requireMayChangePassword } from '../access/enforce.ts';
import { actorFor, type Actor } from '../authz/actor.ts';
import { AccessResolver } from '../authz/resolver.ts';
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, firstLine } from '../errors.ts';
import { InFlight } from '../events/in-flight.ts';
import { emitPasswordStored } from '../events/password-stored.ts';
import type { AuditRecord } from '../model.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import { failureOf } from '../reset/connector.ts';
import type { ResetEngine } from '../reset/reset-engine.ts';
import type { Repos, SyncChannelRow } from '../storage/repos/index.ts';
import { storeNewPassword } from '../vault/accounts-service.ts';
import { accountRef, HIDDEN_ACCOUNT, loadAccount } from '../vault/refs.ts';

export interface ChannelSettings {
  publishing?: boolean;
  enforcePolicy?: boolean;
  /** null clears it. */
  defaultPassword?: Secret | null;
}

export interface ChannelView {
  name: string;
  publishing: boolean;
  enforcePolicy: boolean;
  hasDefaultPassword: boolean;
  /** The linked accounts the caller may see. */
  accounts: string[];
  /** How many linked accounts the caller may not see (named nowhere). */
  hiddenAccounts: number;
}

/**
 * One linked account's outcome: a failure on one never undoes the others. An account the caller
 * may not see is reported as HIDDEN_ACCOUNT, without a message (it could name a host).
 */
export interface PushResult {
  account: string;
  ok: boolean;
  reason?: string;
  message?: string;
}

const CHANGE_TYPES = new Set(['password.change', 'password.reset', 'password.reset-reconciled']);
const SYNC_SOURCE = 'sync:';

/**
 * Password sync channels: a channel links accounts across resources that must share one
 * password (the same service account on several systems).
 * - Outbound: when a linked account's password changes in the vault (a change or a reset, seen
 *   from its committed audit row), the new password is pushed through the reset engine to every
 *   other linked account's target, which stores it in the vault with the target.
 * - Inbound (`publish`): a change learned from a target is stored in the vault — if the channel
 *   publishes, and against the policy if it enforces it — and pushed to the others.
 * Pushes caused by the channel carry source `sync:CHANNEL`, so they never echo back.
 */
export class SyncService {
  readonly inFlight: InFlight;

  constructor(
    private readonly ctx: CoreContext,
    private readonly engine: ResetEngine,
  ) {
    // One push at a time: pushes of one channel must reach its targets in the order of the
    // changes (each reads the vault's current password when it runs, so they converge).
    this.inFlight = new InFlight(
      (e) =>
        this.ctx.deps.logger.log('error', 'sync.background-failed', {
          error: firstLine(e, 200),
        }),
      1,
    );
  }

  async addChannel(actor: Actor, name: string, s: ChannelSettings = {}): Promise<ChannelView> {
    return this.ctx.run(actor, 'sync.manage', { kind: 'sync-channel', name }, async (o) => {
      this.ctx.authz.require(actor, 'sync.manage');
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name))
        throw new ValidationError('channel name: letters, digits, . _ - (up to 100)', { field: 'name' });
      if (await o.repos.sync.byName(name)) throw new ConflictError(`sync channel '${name}' already exists`);
      const now = this.ctx.now();
      const id = this.ctx.ids.next();
      const row: SyncChannelRow = {
        id,
        name,
        publishing: s.publishing ?? true,
        enforcePolicy: s.enforcePolicy ?? true,
        defaultPasswordEnc: s.defaultPassword
          ? this.ctx.keyring.seal(s.defaultPassword, aad.syncDefault(id))
          : null,
        createdBy: actor.name,
        createdAt: now,
        updatedAt: now,
      };
      await o.repos.sync.insert(row);
      await o.audit('sync.channel-add', { kind: 'sync-channel', name }, this.settingsOf(row));
      return this.view(o.repos, o.access, row);
    });
  }

  async set(actor: Actor, name: string, s: ChannelSettings): Promise<ChannelView> {
    return this.ctx.run(actor, 'sync.manage', { kind: 'sync-channel', name }, async (o) => {
      this.ctx.authz.require(actor, 'sync.manage');
      const cur = await this.channel(o.repos, name);
      const next: SyncChannelRow = {
        ...cur,
        ...(s.publishing !== undefined ? { publishing: s.publishing } : {}),
        ...(s.enforcePolicy !== undefined ? { enforcePolicy: s.enforcePolicy } : {}),
        ...(s.defaultPassword !== undefined
          ? {
              defaultPasswordEnc: s.defaultPassword
                ? this.ctx.keyring.seal(s.defaultPassword, aad.syncDefault(cur.id))
                : null,
            }
          : {}),
        updatedAt: this.ctx.now(),
      };
      await o.repos.sync.update(next);
      await o.audit('sync.settings', { kind: 'sync-channel', name }, this.settingsOf(next));
      return this.view(o.repos, o.access, next);
    });
  }

  async link(actor: Actor, name: string, ref: string): Promise<ChannelView> {
    return this.ctx.run(actor, 'sync.manage', { kind: 'sync-channel', name }, async (o) => {
      this.ctx.authz.require(actor, 'sync.manage');
      const channel = await this.channel(o.repos, name);
      // Linking lets the channel overwrite the account's password: changing it (modify); an
      // account the actor cannot see is answered exactly as a missing one.
      const { resource, account } = await loadAccount(o.repos, ref);
      this.ctx.authz.requireOn(actor, 'sync.link', await o.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await o.repos.sync.link(channel.id, account.id, this.ctx.now());
      await o.audit('sync.link', { kind: 'sync-channel', name }, { account: ref });
      return this.view(o.repos, o.access, channel);
    });
  }

  async list(actor: Actor): Promise<ChannelView[]> {
    return this.ctx.run(actor, 'sync.manage', { kind: 'sync-channel', name: '*' }, async (o) => {
      this.ctx.authz.require(actor, 'sync.manage');
      const out: ChannelView[] = [];
      for (const c of await o.repos.sync.list()) out.push(await this.view(o.repos, o.access, c));
      return out;
    });
  }

  /**
   * Inbound: a password learned from the target of `ref` (the target-side agent's report), or —
   * for an account created there without one — the channel's default password. Stored in the
   * vault, then pushed to the other linked accounts; the results come back per account.
   */
  async publish(actor: Actor, name: string, ref: string, password?: Secret): Promise<PushResult[]> {
    const target = { kind: 'account', name: ref };
    const { channel, old, next } = await this.ctx.run(actor, 'sync.publish', target, async (o) => {
      const { resource, account } = await loadAccount(o.repos, ref);
      this.ctx.authz.requireOn(actor, 'sync.publish', await o.access.onAccount(account, resource), target);
      await requireMayChangePassword(o.repos, this.ctx.now(), actor, resource, account, 'chosen');
      const channel = await this.channel(o.repos, name);
      if (!(await o.repos.sync.linkedAccounts(channel.id)).includes(account.id))
        throw new NotFoundError('account in sync channel', `${name}: ${ref}`);
      const refuse = (why: string) => o.auditIfFails('sync.publish-refused', target, { channel: name, why });
      if (!channel.publishing) {
        refuse('publishing off');
        throw new ForbiddenError(`sync channel '${name}' does not publish passwords`);
      }
      let next = password;
      if (!next && channel.defaultPasswordEnc)
        next = this.ctx.keyring.open(channel.defaultPasswordEnc, aad.syncDefault(channel.id));
      if (!next)
        throw new ValidationError(`no password given and sync channel '${name}' has no default password`);
      const policy = await effectivePolicy(o.repos, resource);
      if (channel.enforcePolicy) {
        refuse(`policy ${policy.name}`);
        o.auditIfFails('password.policy-violation', target, { policy: policy.name, via: `sync:${name}` });
      }
      const old = this.ctx.keyring.open(account.passwordEnc, aad.account(account.id));
      await storeNewPassword(this.ctx, o.repos, actor, account, next, policy, {
        skipPolicy: !channel.enforcePolicy,
      });
      await o.audit('sync.published', target, {
        channel: name,
        policy: channel.enforcePolicy ? policy.name : 'not enforced',
        defaulted: !password,
      });
      return { channel, old, next };
    });
    const { resource, account } = splitRef(ref);
    emitPasswordStored(this.ctx.passwordObservers, this.ctx.deps.logger, {
      resource,
      account,
      who: { name: actor.name, source: `${SYNC_SOURCE}${name}` },
      old,
      next,
    });
    return this.push(channel, ref, next, actor);
  }

  /** AuditObserver (outbound): a linked account's password changed in the vault. */
  onAudit = (rows: readonly AuditRecord[]): void => {
    for (const row of rows) {
      if (!CHANGE_TYPES.has(row.type) || row.result !== 'success' || row.targetKind !== 'account') continue;
      if (row.source.startsWith(SYNC_SOURCE)) continue; // our own push: never echo it back
      this.inFlight.start(() => this.outbound(row.targetName, row.actor));
    }
  };

  /** `changedBy`: the audit row's actor; a Custody user knows the password they set. */
  private async outbound(ref: string, changedBy: string): Promise<void> {
    const found = await this.ctx.store.read(async (r) => {
      const { account } = await loadAccount(r, ref);
      const user = changedBy.includes(':') ? undefined : await r.users.byName(changedBy);
      const channels: SyncChannelRow[] = [];
      for (const id of await r.sync.channelsOf(account.id)) {
        const c = await r.sync.byId(id);
        if (c) channels.push(c);
      }
      return {
        password: this.ctx.keyring.open(account.passwordEnc, aad.account(account.id)),
        channels,
        by: user ? actorFor(user, SYNC_SOURCE) : ('system' as const),
      };
    });
    for (const c of found.channels) await this.push(c, ref, found.password, found.by);
  }

  /**
   * Each other linked account in turn, through the reset engine (target and vault together). `by`
   * is whose password it is: each push is held to the access-control rule for that user (or, for
   * the system, to other users' check-outs). Results name only accounts `by` may see.
   */
  private async push(
    channel: SyncChannelRow,
    from: string,
    password: Secret,
    by: Actor | 'system',
  ): Promise<PushResult[]> {
    const others = await this.ctx.store.read(async (r) => {
      const refs: { ref: string; visible: boolean }[] = [];
      const seer = by === 'system' ? undefined : new AccessResolver(r, by);
      for (const id of await r.sync.linkedAccounts(channel.id)) {
        const a = await r.accounts.byId(id);
        const res = a ? await r.resources.byId(a.resourceId) : undefined;
        if (a && res && accountRef(res, a) !== from)
          refs.push({
            ref: accountRef(res, a),
            visible: !seer || (await seer.onAccount(a, res)) !== 'none',
          });
      }
      return refs;
    });
    const who = { name: 'system', source: `${SYNC_SOURCE}${channel.name}` };
    const results: PushResult[] = [];
    for (const { ref, visible } of others) {
      const shown = visible ? ref : HIDDEN_ACCOUNT;
      try {
        await this.engine.resetAs(who, ref, {
          newPassword: password,
          skipPolicy: !channel.enforcePolicy,
          changeBy: by,
        });
        results.push({ account: shown, ok: true });
        await this.ctx.auditAs(who, 'sync.pushed', { kind: 'account', name: ref }, 'success', {
          channel: channel.name,
          from,
        });
      } catch (e) {
        const message = firstLine(e, 300);
        const reason =
          (e as { code?: string }).code === 'E_TARGET'
            ? failureOf(e)
            : ((e as { code?: string }).code ?? 'failed');
        results.push({ account: shown, ok: false, reason, ...(visible ? { message } : {}) });
        await this.ctx.auditAs(who, 'sync.push-failed', { kind: 'account', name: ref }, 'failure', {
          channel: channel.name,
          from,
          reason,
          message,
        });
      }
    }
    return results;
  }

  private async channel(repos: Repos, name: string): Promise<SyncChannelRow> {
    const c = await repos.sync.byName(name);
    if (!c) throw new NotFoundError('sync channel', name);
    return c;
  }

  private async view(repos: Repos, seer: AccessResolver, c: SyncChannelRow): Promise<ChannelView> {
    const accounts: string[] = [];
    let hiddenAccounts = 0;
    for (const id of await repos.sync.linkedAccounts(c.id)) {
      const a = await repos.accounts.byId(id);
      const res = a ? await repos.resources.byId(a.resourceId) : undefined;
      if (!a || !res) continue;
      if ((await seer.onAccount(a, res)) === 'none') hiddenAccounts++;
      else accounts.push(accountRef(res, a));
    }
    return { ...this.settingsOf(c), name: c.name, accounts, hiddenAccounts };
  }

  private settingsOf(c: SyncChannelRow) {
    return {
      publishing: c.publishing,
      enforcePolicy: c.enforcePolicy,
      hasDefaultPassword: !!c.defaultPasswordEnc,
    };
  }
}

function splitRef(ref: string): { resource: string; account: string } {
  const i = ref.indexOf('/');
  return { resource: ref.slice(0, i), account: ref.slice(i + 1) };
}
