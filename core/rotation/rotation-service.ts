import type { AccessNotifier } from '../access/notify.ts';
import type { Actor } from '../authz/actor.ts';
import { atLeast } from '../authz/privilege.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError, ValidationError, firstLine } from '../errors.ts';
import { SOLE_HOLDER, type JobLease } from '../jobs.ts';
import { loadGroup } from '../groups/group-refs.ts';
import type { ResetEngine } from '../reset/reset-engine.ts';
import type { PasswordMode, Repos, RotationTaskRow } from '../storage/repos/index.ts';
import {
  RotationRunner,
  groupResources,
  recipientsOf,
  type RotationProgress,
  type RotationReport,
} from './rotation-runner.ts';
import {
  NOTIFY_MAX_MINUTES,
  NOTIFY_MIN_MINUTES,
  firstRun,
  nextRunAfter,
  validateSchedule,
  type Schedule,
} from './schedule.ts';

export interface RotationTaskInput {
  name: string;
  /** The resource group (`GROUP` or `OWNER/GROUP`). */
  group: string;
  schedule: Omit<Schedule, 'at'> & { at?: string };
  passwordMode?: PasswordMode;
  /** Pre-notification, 1 minute to 1 week before; none when absent. */
  notifyBeforeMinutes?: number;
  /** Log in as this account of every resource (sudo chpasswd); default: each account itself. */
  admin?: string;
}

export interface RotationTaskView {
  name: string;
  group: string;
  schedule: string;
  passwordMode: PasswordMode;
  notifyBeforeMinutes: number | null;
  admin: string | null;
  nextRunAt: string | null;
  lastRun: { startedAt: string; changed: number; skipped: number; failed: number } | null;
}

const SCHEDULER = { name: 'system', source: 'rotation-schedule' };
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function describe(t: RotationTaskRow): string {
  if (t.scheduleKind === 'once') return `once at ${t.onceAt}`;
  if (t.scheduleKind === 'days') return `every ${t.everyDays} day(s) at ${t.atTime} UTC`;
  return `monthly on day ${t.monthDay} at ${t.atTime} UTC`;
}

const scheduleOf = (t: RotationTaskRow): Schedule => ({
  kind: t.scheduleKind,
  onceAt: t.onceAt,
  everyDays: t.everyDays,
  monthDay: t.monthDay,
  at: t.atTime,
});

/** Scheduled password rotation per resource group: tasks, on-demand runs, reports. */
export class RotationService {
  readonly runner: RotationRunner;

  constructor(
    private readonly ctx: CoreContext,
    resets: ResetEngine,
    isCheckedOut: (accountId: string) => Promise<boolean>,
    private readonly notifier: AccessNotifier,
  ) {
    this.runner = new RotationRunner(ctx, resets, isCheckedOut, notifier);
  }

  private async taskOf(repos: Repos, name: string): Promise<RotationTaskRow> {
    const t = await repos.rotation.taskByName(name);
    if (!t) throw new NotFoundError('rotation', name);
    return t;
  }

  /** The task, if the actor holds `op`'s privilege on its group (else: not found / forbidden). */
  private async authorised(
    actor: Actor,
    op: 'rotation.delete' | 'rotation.run' | 'rotation.report',
    name: string,
  ): Promise<RotationTaskRow> {
    return this.ctx.run(actor, op, { kind: 'rotation', name }, async (s) => {
      const t = await this.taskOf(s.repos, name);
      const g = await s.repos.resourceGroups.byId(t.groupId);
      const level = g ? await s.access.onGroup(g) : 'none';
      if (level === 'none') throw new NotFoundError('rotation', name);
      this.ctx.authz.requireOn(actor, op, level, { kind: 'rotation', name });
      if (op === 'rotation.delete') {
        await s.repos.rotation.removeTask(t.id);
        await s.audit('rotation.delete', { kind: 'rotation', name });
      }
      return t;
    });
  }

  async create(actor: Actor, input: RotationTaskInput): Promise<RotationTaskView> {
    if (!NAME.test(input.name))
      throw new ValidationError('a rotation name is 1–100 letters, digits, dot, dash or underscore', {
        field: 'name',
      });
    const schedule: Schedule = { ...input.schedule, at: input.schedule.at ?? '02:00' };
    validateSchedule(schedule);
    const before = input.notifyBeforeMinutes;
    if (
      before !== undefined &&
      (!Number.isInteger(before) || before < NOTIFY_MIN_MINUTES || before > NOTIFY_MAX_MINUTES)
    )
      throw new ValidationError('notify-before must be from 1 minute to 1 week', { field: 'notifyBefore' });
    const target = { kind: 'group', name: input.group };
    await this.ctx.run(actor, 'rotation.create', target, async (s) => {
      const g = await loadGroup(s.repos, input.group);
      this.ctx.authz.requireOn(actor, 'rotation.create', await s.access.onGroup(g), target);
      if (await s.repos.rotation.taskByName(input.name))
        throw new ConflictError(`rotation '${input.name}' already exists`);
      const now = this.ctx.clock.now();
      const next = firstRun(schedule, now);
      if (schedule.kind === 'once' && next! <= now.toISOString())
        throw new ValidationError('a one-off rotation must be in the future', { field: 'once' });
      await s.repos.rotation.insertTask({
        id: this.ctx.ids.next(),
        name: input.name,
        groupId: g.id,
        scheduleKind: schedule.kind,
        onceAt: schedule.kind === 'once' ? next : null,
        everyDays: schedule.kind === 'days' ? schedule.everyDays! : null,
        monthDay: schedule.kind === 'monthly' ? schedule.monthDay! : null,
        atTime: schedule.at,
        passwordMode: input.passwordMode ?? 'unique',
        notifyBeforeMinutes: before ?? null,
        adminAccount: input.admin ?? null,
        nextRunAt: next,
        notifiedFor: null,
        createdBy: actor.name,
        createdAt: now.toISOString(),
      });
      await s.audit(
        'rotation.create',
        { kind: 'rotation', name: input.name },
        {
          group: g.name,
          schedule: schedule.kind,
          mode: input.passwordMode ?? 'unique',
          nextRunAt: next,
        },
      );
    });
    return (await this.list(actor)).find((t) => t.name === input.name)!;
  }

  /** The tasks on groups the actor may see. */
  async list(actor: Actor): Promise<RotationTaskView[]> {
    return this.ctx.run(actor, 'rotation.list', { kind: 'rotation', name: '*' }, async (s) => {
      this.ctx.authz.require(actor, 'rotation.list');
      const out: RotationTaskView[] = [];
      for (const t of await s.repos.rotation.tasks()) {
        const g = await s.repos.resourceGroups.byId(t.groupId);
        if (!g || !atLeast(await s.access.onGroup(g), 'view')) continue;
        const last = (await s.repos.rotation.runsOf(t.id))[0];
        out.push({
          name: t.name,
          group: g.name,
          schedule: describe(t),
          passwordMode: t.passwordMode,
          notifyBeforeMinutes: t.notifyBeforeMinutes,
          admin: t.adminAccount,
          nextRunAt: t.nextRunAt,
          lastRun: last
            ? { startedAt: last.startedAt, changed: last.changed, skipped: last.skipped, failed: last.failed }
            : null,
        });
      }
      return out;
    });
  }

  async remove(actor: Actor, name: string): Promise<void> {
    await this.authorised(actor, 'rotation.delete', name);
  }

  /** `custody rotation run NAME`: now, whatever the schedule (which stays as it is). */
  async run(actor: Actor, name: string, onProgress?: RotationProgress): Promise<RotationReport> {
    const t = await this.authorised(actor, 'rotation.run', name);
    return this.runner.run(t, { name: actor.name, source: 'rotation' }, 'manual', onProgress);
  }

  /** The latest run's results report (null before the first run). */
  async report(actor: Actor, name: string): Promise<RotationReport | null> {
    const t = await this.authorised(actor, 'rotation.report', name);
    return this.ctx.store.read(async (r) => {
      const run = (await r.rotation.runsOf(t.id))[0];
      if (!run) return null;
      const g = await r.resourceGroups.byId(t.groupId);
      const results = (await r.rotation.resultsOf(run.id)).map((x) => ({
        account: x.account,
        outcome: x.outcome,
        reason: x.reason,
      }));
      return {
        task: t.name,
        group: g?.name ?? '',
        runId: run.id,
        trigger: run.trigger,
        actor: run.actor,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        changed: run.changed,
        skipped: run.skipped,
        failed: run.failed,
        results,
      };
    });
  }

  /** Pre-notifications now due (once per occurrence), to everyone with access. */
  async notifyDue(): Promise<string[]> {
    const now = this.ctx.clock.now().getTime();
    const sent: string[] = [];
    for (const t of await this.ctx.store.read((r) => r.rotation.tasks())) {
      if (!t.notifyBeforeMinutes || !t.nextRunAt || t.notifiedFor === t.nextRunAt) continue;
      if (now < new Date(t.nextRunAt).getTime() - t.notifyBeforeMinutes * 60_000) continue;
      const to = await this.ctx.store.tx(async (r) => {
        await r.rotation.setNotifiedFor(t.id, t.nextRunAt!);
        const g = await r.resourceGroups.byId(t.groupId);
        if (!g) return [];
        await this.ctx.auditLog.append(r, {
          type: 'rotation.notify',
          actor: SCHEDULER.name,
          source: SCHEDULER.source,
          target: { kind: 'rotation', name: t.name },
          result: 'success',
          details: { runAt: t.nextRunAt },
        });
        return recipientsOf(r, g, await groupResources(r, g));
      });
      await this.notifier
        .notify({
          kind: 'rotation',
          to,
          subject: `Password rotation '${t.name}' at ${t.nextRunAt}`,
          body: `The passwords of the resource group rotate at ${t.nextRunAt} (${describe(t)}).`,
        })
        .catch((e: unknown) =>
          this.ctx.deps.logger.log('warn', 'rotation notification', {
            task: t.name,
            message: firstLine(e),
          }),
        );
      sent.push(t.name);
    }
    return sent;
  }

  /**
   * Runs every task whose time has come, once: the next occurrence is claimed first (compare-
   * and-set on next_run_at), skipping occurrences missed while the node was down.
   */
  async runDue(
    onReport?: (r: RotationReport) => void,
    lease: JobLease = SOLE_HOLDER,
  ): Promise<RotationReport[]> {
    const now = this.ctx.clock.now();
    const out: RotationReport[] = [];
    // First the runs an earlier holder of the job left open: their occurrence is claimed already,
    // so no one else would ever finish them.
    for (const report of await this.resumeOrphaned(lease)) {
      onReport?.(report);
      out.push(report);
    }
    for (const t of await this.ctx.store.read((r) => r.rotation.tasks())) {
      if (!t.nextRunAt || new Date(t.nextRunAt).getTime() > now.getTime()) continue;
      // A node that lost the rotation job claims no further run: the new holder runs it.
      if (!(await lease.stillHeld())) break;
      const next = nextRunAfter(scheduleOf(t), t.nextRunAt, now);
      if (!(await this.ctx.store.tx((r) => r.rotation.claimRun(t.id, t.nextRunAt!, next)))) continue;
      const report = await this.runner.run(t, SCHEDULER, 'schedule', undefined, lease);
      onReport?.(report);
      out.push(report);
    }
    return out;
  }

  /**
   * Scheduled runs started under an older lease of the rotation job (in a cluster) and never
   * finished: their holder died or lost the job mid-run, and stopped before its next reset.
   */
  private async resumeOrphaned(lease: JobLease): Promise<RotationReport[]> {
    const token = lease.token;
    if (token === undefined) return [];
    const out: RotationReport[] = [];
    for (const run of await this.ctx.store.read((r) => r.rotation.orphanedRuns(token))) {
      if (!(await lease.stillHeld())) break;
      const task = (await this.ctx.store.read((r) => r.rotation.tasks())).find((t) => t.id === run.taskId);
      if (!task) continue;
      const report = await this.runner.resume(task, run, SCHEDULER, lease);
      if (report) out.push(report);
    }
    return out;
  }
}
