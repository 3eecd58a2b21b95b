import type { AccessNotifier } from '../access/notify.ts';
import type { CoreContext } from '../context.ts';
import type { Secret } from '../crypto/secret.ts';
import type { Account, Resource, ResourceGroup } from '../model.ts';
import { generatePassword } from '../policy/generate.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import { mapBounded } from '../reset/bounded.ts';
import type { ResetEngine } from '../reset/reset-engine.ts';
import type {
  PendingResetRow,
  Repos,
  RotationOutcome,
  RotationRunRow,
  RotationTaskRow,
} from '../storage/repos/index.ts';
import { aad } from '../crypto/aad.ts';
import { SETTLED_NEW_REASON } from '../reset/settle-run-reset.ts';
import { accountRef } from '../vault/refs.ts';
import { firstLine } from '../errors.ts';
import { SOLE_HOLDER, type JobLease } from '../jobs.ts';
import { groupResources, recipientsOf } from './rotation-recipients.ts';

export interface RotationResult {
  account: string;
  outcome: RotationOutcome;
  reason: string;
}

export interface RotationReport {
  task: string;
  group: string;
  runId: string;
  trigger: 'schedule' | 'manual';
  actor: string;
  startedAt: string;
  finishedAt: string | null;
  changed: number;
  skipped: number;
  failed: number;
  results: RotationResult[];
}

export type RotationProgress = (done: number, total: number, last: RotationResult) => void;

type Who = { name: string; source: string };

interface Item {
  ref: string;
  resource: Resource;
  account: Account;
  /** False when the resource's type has no reset connector (skipped: nothing could change it). */
  resettable: boolean;
}

const oneLine = (e: unknown): string => firstLine(e, 300);

export { groupResources, recipientsOf };

const LEASE_LOST = 'this node no longer holds the rotation job (another node took it over)';

/**
 * One rotation run of a task: every account of the group's resources, `concurrency` at a time, each
 * through the reset engine (target and vault together or not at all). Checked-out passwords are
 * skipped (the holder would be left with an outdated password). The administrator account, when the
 * task logs in with one, goes last so the others are not changed with a password that is itself in
 * flux.
 */
export class RotationRunner {
  constructor(
    private readonly ctx: CoreContext,
    private readonly resets: ResetEngine,
    private readonly isCheckedOut: (accountId: string) => Promise<boolean>,
    private readonly notifier: AccessNotifier,
  ) {}

  async run(
    task: RotationTaskRow,
    who: Who,
    trigger: 'schedule' | 'manual',
    onProgress?: RotationProgress,
    lease: JobLease = SOLE_HOLDER,
  ): Promise<RotationReport> {
    const { group, items, common } = await this.plan(task);
    const runId = this.ctx.ids.next();
    const startedAt = this.ctx.now();
    await this.ctx.store.tx((r) =>
      r.rotation.insertRun({
        id: runId,
        taskId: task.id,
        trigger,
        actor: who.name,
        startedAt,
        finishedAt: null,
        changed: 0,
        skipped: 0,
        failed: 0,
        // Only a scheduled run in a cluster: the job's next holder finishes it should this node stop.
        leaseToken: trigger === 'schedule' ? (lease.token ?? null) : null,
      }),
    );
    await this.work(task, who, runId, items, common, new Map(), lease, onProgress);
    return this.finish(task, who, group, runId, trigger, startedAt, {});
  }

  /**
   * Finishes a scheduled run an earlier holder of the rotation job left open (it died or lost the
   * job mid-run): taken over by compare-and-set on the run's fencing token, so one holder finishes
   * it. Accounts with a result in the run are done (a changed one's result is written with its
   * vault write); a reset left pending is settled against the target first (settle-run-reset.ts);
   * every other account is reset as the run would have. Undefined when another holder took it.
   */
  async resume(
    task: RotationTaskRow,
    run: RotationRunRow,
    who: Who,
    lease: JobLease,
  ): Promise<RotationReport | undefined> {
    if (lease.token === undefined || run.leaseToken == null) return undefined;
    const from = run.leaseToken;
    const to = lease.token;
    if (!(await this.ctx.store.tx((r) => r.rotation.takeOverRun(run.id, from, to)))) return undefined;
    const { group, items, common, done, pending } = await this.ctx.store.read(async (r) => ({
      ...(await this.plan(task, r)),
      done: new Set((await r.rotation.resultsOf(run.id)).map((x) => x.account)),
      pending: new Map((await r.pendingResets.ofRun(run.id)).map((p) => [p.accountId, p])),
    }));
    const remaining = items.filter((i) => !done.has(i.ref));
    await this.ctx.auditAs(who, 'rotation.resume', { kind: 'rotation', name: task.name }, 'success', {
      run: run.id,
      fromToken: from,
      toToken: to,
      done: done.size,
      remaining: remaining.length,
      pending: pending.size,
    });
    // A common password is the one the run already gave its changed accounts, when there is one.
    const shared = task.passwordMode === 'common' ? await this.commonOfRun(run.id, items) : undefined;
    await this.work(task, who, run.id, remaining, shared ?? common, pending, lease);
    return this.finish(task, who, group, run.id, run.trigger, run.startedAt, { resumed: true });
  }

  /** The group's accounts in reset order, whether each can be reset, and the common password. */
  private async plan(
    task: RotationTaskRow,
    repos?: Repos,
  ): Promise<{ group: ResourceGroup; items: Item[]; common: Secret | undefined }> {
    const read = async (r: Repos) => {
      const group = (await r.resourceGroups.byId(task.groupId))!;
      const items: Item[] = [];
      const resources = await groupResources(r, group);
      for (const resource of resources.sort((a, b) => a.name.localeCompare(b.name)))
        for (const account of await r.accounts.ofResource(resource.id))
          items.push({ ref: accountRef(resource, account), resource, account, resettable: false });
      const admin = task.adminAccount;
      items.sort((a, b) => Number(a.account.name === admin) - Number(b.account.name === admin));
      return {
        group,
        items,
        common:
          task.passwordMode === 'common' && resources.length
            ? await this.commonPassword(r, group, resources)
            : undefined,
      };
    };
    const planned = repos ? await read(repos) : await this.ctx.store.read(read);
    const resettable = new Map<string, boolean>();
    for (const item of planned.items) {
      if (!resettable.has(item.resource.id))
        resettable.set(item.resource.id, await this.resets.canReset(item.resource));
      item.resettable = resettable.get(item.resource.id)!;
    }
    return planned;
  }

  /** The vault password of an account this run changed (a common-mode run's password). */
  private async commonOfRun(runId: string, items: Item[]): Promise<Secret | undefined> {
    return this.ctx.store.read(async (r) => {
      const changed = (await r.rotation.resultsOf(runId)).find((x) => x.outcome === 'changed');
      const item = changed && items.find((i) => i.ref === changed.account);
      const account = item && (await r.accounts.byId(item.account.id));
      return account ? this.ctx.keyring.open(account.passwordEnc, aad.account(account.id)) : undefined;
    });
  }

  /**
   * Each account through `one`, `concurrency` at a time. A skipped or failed account's result is
   * written as soon as it is known; a changed one's is written by the vault write itself.
   */
  private async work(
    task: RotationTaskRow,
    who: Who,
    runId: string,
    items: Item[],
    common: Secret | undefined,
    pending: Map<string, PendingResetRow>,
    lease: JobLease,
    onProgress?: RotationProgress,
  ): Promise<void> {
    let done = 0;
    await mapBounded(items, this.ctx.config.rotation.concurrency, async (item) => {
      const result = await this.one(task, who, runId, item, common, pending.get(item.account.id), lease);
      if (result.outcome !== 'changed')
        await this.ctx.store.tx((r) =>
          r.rotation.insertResults([{ id: this.ctx.ids.next(), runId, ...result, at: this.ctx.now() }]),
        );
      onProgress?.(++done, items.length, result);
    });
  }

  /** The run's counts from its result rows (whichever node wrote them), audited once; notifies. */
  private async finish(
    task: RotationTaskRow,
    who: Who,
    group: ResourceGroup,
    runId: string,
    trigger: 'schedule' | 'manual',
    startedAt: string,
    extra: Record<string, unknown>,
  ): Promise<RotationReport> {
    const finishedAt = this.ctx.now();
    const results = await this.ctx.store.tx(async (r) => {
      const rows = await r.rotation.resultsOf(runId);
      const counts = { changed: 0, skipped: 0, failed: 0 };
      for (const x of rows) counts[x.outcome]++;
      await r.rotation.finishRun(runId, finishedAt, counts);
      await this.ctx.auditLog.append(r, {
        type: 'rotation.run',
        actor: who.name,
        source: who.source,
        target: { kind: 'rotation', name: task.name },
        result: counts.failed ? 'failure' : 'success',
        details: { run: runId, trigger, group: group.name, mode: task.passwordMode, ...counts, ...extra },
      });
      return rows.map((x) => ({ account: x.account, outcome: x.outcome, reason: x.reason }));
    });
    const counts = { changed: 0, skipped: 0, failed: 0 };
    for (const x of results) counts[x.outcome]++;
    const report: RotationReport = {
      task: task.name,
      group: group.name,
      runId,
      trigger,
      actor: who.name,
      startedAt,
      finishedAt,
      ...counts,
      results,
    };
    await this.notifyAfter(group, report);
    return report;
  }

  /** A common password must satisfy the group's policy, else the first resource's. */
  private async commonPassword(r: Repos, group: ResourceGroup, resources: Resource[]): Promise<Secret> {
    const own = group.policyId ? await r.policies.byId(group.policyId) : undefined;
    const policy = own ?? (await effectivePolicy(r, resources[0]!));
    // Generated afresh on every run, so the common password is never the previous one.
    return generatePassword(policy);
  }

  private async one(
    task: RotationTaskRow,
    who: Who,
    runId: string,
    item: Item,
    common: Secret | undefined,
    pending: PendingResetRow | undefined,
    lease: JobLease,
  ): Promise<RotationResult> {
    const base = { account: item.ref };
    if (!item.resettable)
      return { ...base, outcome: 'skipped', reason: 'no remote reset for this resource type' };
    // Checked before each reset, not once per run: another node may have taken the rotation job
    // over while this one was paused, and two nodes must never reset the same target.
    if (lease.signal.aborted || !(await lease.stillHeld())) {
      await this.ctx.auditAs(who, 'rotation.skip', { kind: 'account', name: item.ref }, 'success', {
        task: task.name,
        reason: LEASE_LOST,
      });
      return { ...base, outcome: 'skipped', reason: LEASE_LOST };
    }
    if (pending) {
      const settled = await this.resets.settleRunReset(who, pending).catch((e: unknown) => oneLine(e));
      if (settled === 'new') return { ...base, outcome: 'changed', reason: SETTLED_NEW_REASON };
      if (settled !== 'stored')
        return {
          ...base,
          outcome: 'failed',
          reason: `the reset the run's previous holder left pending is unresolved${settled === 'unresolved' ? '' : `: ${settled}`}`,
        };
    }
    if (await this.isCheckedOut(item.account.id)) {
      await this.ctx.auditAs(who, 'rotation.skip', { kind: 'account', name: item.ref }, 'success', {
        task: task.name,
        reason: 'checked out',
      });
      return { ...base, outcome: 'skipped', reason: 'checked out' };
    }
    try {
      await this.resets.resetAs(who, item.ref, {
        ...(task.adminAccount ? { admin: task.adminAccount } : {}),
        ...(common ? { newPassword: common } : {}),
        runId,
      });
      return { ...base, outcome: 'changed', reason: '' };
    } catch (e) {
      return { ...base, outcome: 'failed', reason: oneLine(e) };
    }
  }

  /** Step 4: right after the run, the consolidated report to those with access. */
  private async notifyAfter(group: ResourceGroup, report: RotationReport): Promise<void> {
    const to = await this.ctx.store.read(async (r) => recipientsOf(r, group, await groupResources(r, group)));
    const lines = report.results.map((x) => `${x.account}: ${x.outcome}${x.reason ? ` (${x.reason})` : ''}`);
    await this.notifier
      .notify({
        kind: 'rotation',
        to,
        subject: `Password rotation '${report.task}' done: ${report.changed} changed, ${report.skipped} skipped, ${report.failed} failed`,
        body: [`Group ${report.group}, run ${report.runId} (${report.trigger}).`, ...lines].join('\n'),
      })
      .catch((e: unknown) =>
        this.ctx.deps.logger.log('warn', 'rotation notification', { task: report.task, message: oneLine(e) }),
      );
  }
}
