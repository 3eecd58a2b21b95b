import { requireMayChangePassword } from '../access/enforce.ts';
import type { ResetService } from '../access/reset.ts';
import type { Actor } from '../authz/actor.ts';
import { AccessResolver } from '../authz/resolver.ts';
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import { checkPinnedHostKey } from '../sessions/host-keys.ts';
import type { Secret } from '../crypto/secret.ts';
import {
  CustodyError,
  NotFoundError,
  StorageError,
  TargetError,
  ValidationError,
  firstLine,
} from '../errors.ts';
import type { Account, Resource } from '../model.ts';
import { generatePassword } from '../policy/generate.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import type { PasswordPolicy } from '../policy/policy.ts';
import { assertPassword } from '../policy/validate.ts';
import type { Repos } from '../storage/repos/index.ts';
import { accountRef, loadAccount } from '../vault/refs.ts';
import {
  failureOf,
  type ResetConnector,
  type ResetConnectors,
  type ResetLogin,
  type ResetTarget,
} from './connector.ts';
import { resolveLogin, routeConnect } from './reset-plan.ts';
import {
  auditReset,
  completeVaultReset,
  reconcilePendingResets,
  type ReconcileResult,
  type Who,
} from './reset-vault.ts';
import { loadResetSettings } from './reset-settings.ts';
import { settleRunReset, type Settled } from './settle-run-reset.ts';
import type { PendingResetRow } from '../storage/repos/index.ts';

export type { ReconcileResult } from './reset-vault.ts';

export interface ResetOptions {
  /** Another account of the same resource to log in with (an administrator); default: the account itself. */
  admin?: string;
  /** The new password; default: generated from the resource's effective policy. */
  newPassword?: Secret;
  /** Skip the policy check of a given password (a sync channel with policy enforcement off). */
  skipPolicy?: boolean;
  /**
   * Whose change this is, for the access-control rule on storing a password
   * (requireMayChangePassword): a user's chosen password, or the system's (holds only). Checked in
   * the same transaction that writes the pending reset. Absent: no access-control check (rotation
   * skips checked-out passwords itself; the reset on check-in runs after the hold is released).
   */
  changeBy?: Actor | 'system';
  /**
   * The rotation run this reset belongs to: recorded on the pending reset, so a node finishing a
   * run another node left open settles the reset it left half-done.
   */
  runId?: string;
}

export interface ResetEngineOptions {
  /** How many times the vault write is tried after the target changed (default 3). */
  vaultAttempts?: number;
  /** Pause between vault attempts in ms (default 200). */
  retryDelayMs?: number;
}

const SYSTEM: Who = { name: 'system', source: 'reset-on-checkin' };

interface Prepared {
  ref: string;
  pendingId: string;
  target: ResetTarget;
  login: ResetLogin;
  current: Secret;
  next: Secret;
  connector: ResetConnector;
  policy: PasswordPolicy;
}

/**
 * Remote password reset: the password changes on the target and in the vault together or not at
 * all. The order is what makes it safe:
 *   1. the new password is sealed in a `pending_resets` row (committed) before the target is touched;
 *   2. the target is changed; if it refuses or cannot be reached, the pending row is dropped and the
 *      vault keeps the old password (audited `password.reset-fail` with the reason);
 *   3. the vault write (old password to history, new one in place, pending row dropped) is tried
 *      `vaultAttempts` times; if it still fails, the row is kept as `target-changed` and an alert
 *      (`password.reset-vault-alert`) is raised. `reconcile()` (run on open) completes such rows.
 * A row still `started` after a crash means the target's state is unknown: it is kept and
 * reported (`password.reset-unresolved`) until verification exists.
 */
export class ResetEngine implements ResetService {
  private readonly attempts: number;
  private readonly delayMs: number;

  constructor(
    private readonly ctx: CoreContext,
    private readonly connectors: ResetConnectors = ctx.deps.resetConnectors ?? {},
    opts: ResetEngineOptions = {},
  ) {
    this.attempts = Math.max(1, opts.vaultAttempts ?? 3);
    this.delayMs = opts.retryDelayMs ?? 200;
  }

  private async connectorOf(repos: Repos, resource: Resource): Promise<[string, ResetConnector] | undefined> {
    const type = await repos.types.byId(resource.typeId);
    const kind = type?.resetKind;
    const c = kind ? this.connectors[kind] : undefined;
    return kind && c && !c.verifyOnly ? [kind, c] : undefined;
  }

  async canReset(resource: Resource): Promise<boolean> {
    return !!(await this.ctx.store.read((r) => this.connectorOf(r, resource)));
  }

  /** ResetService (reset on check-in): the system resets with the account's own credential. */
  async reset(account: Account, resource: Resource): Promise<void> {
    const ref = accountRef(resource, account);
    const prepared = await this.ctx.store.tx((r) => this.prepare(r, SYSTEM, ref, {}));
    await this.execute(SYSTEM, prepared);
  }

  /**
   * A reset on behalf of the system: scheduled rotation (authorised when the task was set up
   * or run) and sync-channel pushes. No user authorization here; `who` names the cause on record.
   */
  async resetAs(who: Who, ref: string, opts: ResetOptions = {}): Promise<void> {
    const prepared = await this.ctx.store.tx((r) => this.prepare(r, who, ref, opts));
    await this.execute(who, prepared);
  }

  /** `custody reset ACCOUNT [--admin ACCOUNT]`: needs `modify` on the account. */
  async resetAccount(actor: Actor, ref: string, opts: ResetOptions = {}): Promise<void> {
    const prepared = await this.ctx.run(
      actor,
      'password.reset',
      { kind: 'account', name: ref },
      async (s) => {
        const { resource, account } = await loadAccount(s.repos, ref);
        this.ctx.authz.requireOn(actor, 'password.reset', await s.access.onAccount(account, resource), {
          kind: 'account',
          name: ref,
        });
        // `--admin` logs in with another account's password: using it, so it must be one the
        // actor may use (view), with the same answer as a missing one.
        if (opts.admin && opts.admin !== account.name) {
          const adminRef = `${resource.name}/${opts.admin}`;
          const admin = await s.repos.accounts.byName(resource.id, opts.admin);
          const level = admin ? await s.access.onAccount(admin, resource) : 'none';
          if (level === 'none') throw new NotFoundError('account', adminRef);
        }
        return this.prepare(s.repos, actor, ref, { ...opts, changeBy: actor });
      },
    );
    await this.execute(actor, prepared);
  }

  private async prepare(repos: Repos, who: Who, ref: string, opts: ResetOptions): Promise<Prepared> {
    const { resource, account } = await loadAccount(repos, ref);
    const found = await this.connectorOf(repos, resource);
    if (!found)
      throw new ValidationError(`remote password reset is not available for resource '${resource.name}'`);
    const [resetKind, connector] = found;
    if ((await repos.pendingResets.ofAccount(account.id)).length > 0)
      throw new ValidationError(
        `account '${ref}' has an unfinished reset: run 'custody reset --reconcile' or check the target`,
      );
    if (opts.changeBy && opts.changeBy !== 'system') {
      // A password a user knows reaches only accounts that user may change (a sync push of their
      // change included): the same answer as a direct change would get.
      const level = await new AccessResolver(repos, opts.changeBy).onAccount(account, resource);
      this.ctx.authz.requireOn(opts.changeBy, 'password.reset', level, { kind: 'account', name: ref });
    }
    if (opts.changeBy)
      await requireMayChangePassword(
        repos,
        this.ctx.now(),
        opts.changeBy,
        resource,
        account,
        opts.newPassword ? 'chosen' : 'generated',
      );
    const policy = await effectivePolicy(repos, resource);
    const current = this.ctx.keyring.open(account.passwordEnc, aad.account(account.id));
    let next: Secret;
    if (opts.newPassword) {
      const older =
        policy.historyCount > 1 ? await repos.history.of(account.id, policy.historyCount - 1) : [];
      const history = [current, ...older.map((h) => this.ctx.keyring.open(h.passwordEnc, aad.history(h.id)))];
      if (!opts.skipPolicy) assertPassword(policy, opts.newPassword, { loginName: account.name, history });
      next = opts.newPassword;
    } else {
      next = generatePassword(policy, { loginName: account.name });
    }
    const settings = await loadResetSettings(repos, resource.id);
    const login = await resolveLogin(this.ctx, repos, resource, account, current, settings, opts.admin);
    const protocol = (await repos.types.byId(resource.typeId))?.protocol ?? 'ssh';
    const transport = settings.transport ?? protocol;
    const connect = await routeConnect(this.ctx, repos, who, ref, resource, protocol, transport);
    if (connect && !connector.landingRoutes)
      throw new ValidationError(
        `resource '${resource.name}' is reached through landing servers, which its reset connector cannot use`,
      );
    const pendingId = this.ctx.ids.next();
    const now = this.ctx.now();
    // Written (and committed) before the target is touched: the new password is never lost.
    await repos.pendingResets.insert({
      id: pendingId,
      accountId: account.id,
      passwordEnc: this.ctx.keyring.seal(next, aad.pendingReset(pendingId)),
      state: 'started',
      actor: who.name,
      source: who.source,
      createdAt: now,
      updatedAt: now,
      runId: opts.runId ?? null,
    });
    return {
      ref,
      pendingId,
      target: {
        resource: resource.name,
        resetKind,
        host: resource.dnsName,
        port: resource.port,
        url: resource.url,
        // Same pinning as gateway sessions: a reset never types a password into a changed host.
        hostKey: async (key) => {
          await checkPinnedHostKey(this.ctx, who, resource.name, key);
        },
        protocol,
        settings,
        ...(connect ? { connect } : {}),
      },
      login,
      current,
      next,
      connector,
      policy,
    };
  }

  private async execute(who: Who, p: Prepared): Promise<void> {
    let warnings: string[] = [];
    try {
      const outcome = await p.connector.change(
        p.target,
        p.login,
        { name: p.ref.split('/').slice(1).join('/'), current: p.current },
        p.next,
      );
      warnings = outcome?.warnings ?? [];
    } catch (e) {
      const reason = failureOf(e);
      const message = firstLine(e, 300);
      // The target did not change: the vault keeps the old password; the pending row goes.
      await this.ctx.store.tx((r) => r.pendingResets.remove(p.pendingId));
      await auditReset(this.ctx, who, 'password.reset-fail', p.ref, 'failure', {
        reason,
        message,
        login: p.login.self ? 'self' : p.login.account,
      });
      throw e instanceof CustodyError
        ? e
        : new TargetError(`reset of '${p.ref}' failed: ${message}`, { reason });
    }
    try {
      // Best effort: should the process die now, reconciliation knows the target has it.
      await this.ctx.store.tx((r) => r.pendingResets.setState(p.pendingId, 'target-changed', this.ctx.now()));
    } catch {
      // retried below
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await completeVaultReset(this.ctx, who, p.pendingId, p.next, {
          attempt,
          login: p.login.self ? 'self' : p.login.account,
          ...(warnings.length ? { warnings } : {}),
        });
        return;
      } catch (e) {
        lastError = e;
        if (attempt < this.attempts) await new Promise((r) => setTimeout(r, this.delayMs));
      }
    }
    // The target has the new password and the vault could not take it: keep it sealed and alert.
    const why = firstLine(lastError, 200);
    try {
      await this.ctx.store.tx((r) => r.pendingResets.setState(p.pendingId, 'target-changed', this.ctx.now()));
    } catch {
      // the row stays 'started' and is reported at reconciliation; the password is still in it
    }
    try {
      await auditReset(this.ctx, who, 'password.reset-vault-alert', p.ref, 'failure', {
        attempts: this.attempts,
        pending: p.pendingId,
        message: why,
      });
    } catch {
      this.ctx.deps.logger.log('error', 'reset', {
        ref: p.ref,
        pending: p.pendingId,
        alert: 'vault write failed',
      });
    }
    throw new StorageError(
      `the target '${p.ref}' has the new password but the vault write failed ${this.attempts} times (${why}); it is kept in pending reset ${p.pendingId}`,
    );
  }

  /**
   * A reset a rotation run's previous holder left pending: the target is asked which password it
   * has (the new one, the stored one) and the vault keeps the one that works (settle-run-reset.ts).
   */
  settleRunReset(who: Who, row: PendingResetRow): Promise<Settled> {
    return settleRunReset(this.ctx, this.connectors, who, row);
  }

  /**
   * `custody reset --reconcile`: the same work as at start-up, asked for by an administrator
   * (the server runs `reconcile` itself, with no one behind it).
   */
  async reconcileAs(actor: Actor): Promise<ReconcileResult> {
    await this.ctx.requireRole(actor, 'reset.reconcile', { kind: 'reset', name: 'pending' });
    return this.reconcile();
  }

  /**
   * After a crash or a failed vault write: `target-changed` rows are written to the vault;
   * `started` rows (target state unknown) are reported and kept.
   */
  reconcile(): Promise<ReconcileResult> {
    return reconcilePendingResets(this.ctx);
  }
}
