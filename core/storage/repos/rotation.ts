import type { Knex } from 'knex';
import { num, numOrNull, str, strOrNull, type Row } from './map.ts';

export type ScheduleKind = 'once' | 'days' | 'monthly';
export type PasswordMode = 'unique' | 'common';
export type RotationOutcome = 'changed' | 'skipped' | 'failed';

export interface RotationTaskRow {
  id: string;
  name: string;
  groupId: string;
  scheduleKind: ScheduleKind;
  onceAt: string | null;
  everyDays: number | null;
  monthDay: number | null;
  atTime: string;
  passwordMode: PasswordMode;
  notifyBeforeMinutes: number | null;
  adminAccount: string | null;
  nextRunAt: string | null;
  notifiedFor: string | null;
  createdBy: string;
  createdAt: string;
}

export interface RotationRunRow {
  id: string;
  taskId: string;
  trigger: 'schedule' | 'manual';
  actor: string;
  startedAt: string;
  finishedAt: string | null;
  changed: number;
  skipped: number;
  failed: number;
  /** The fencing token of the lease a scheduled run in a cluster started under; null otherwise. */
  leaseToken?: number | null;
}

export interface RotationResultRow {
  id: string;
  runId: string;
  account: string;
  outcome: RotationOutcome;
  reason: string;
  at: string;
}

const toTask = (r: Row): RotationTaskRow => ({
  id: str(r.id),
  name: str(r.name),
  groupId: str(r.group_id),
  scheduleKind: str(r.schedule_kind) as ScheduleKind,
  onceAt: strOrNull(r.once_at),
  everyDays: numOrNull(r.every_days),
  monthDay: numOrNull(r.month_day),
  atTime: str(r.at_time),
  passwordMode: str(r.password_mode) as PasswordMode,
  notifyBeforeMinutes: numOrNull(r.notify_before_minutes),
  adminAccount: strOrNull(r.admin_account),
  nextRunAt: strOrNull(r.next_run_at),
  notifiedFor: strOrNull(r.notified_for),
  createdBy: str(r.created_by),
  createdAt: str(r.created_at),
});

const toRun = (r: Row): RotationRunRow => ({
  id: str(r.id),
  taskId: str(r.task_id),
  trigger: str(r.trigger) as RotationRunRow['trigger'],
  actor: str(r.actor),
  startedAt: str(r.started_at),
  finishedAt: strOrNull(r.finished_at),
  changed: num(r.changed),
  skipped: num(r.skipped),
  failed: num(r.failed),
  leaseToken: numOrNull(r.lease_token),
});

const toResult = (r: Row): RotationResultRow => ({
  id: str(r.id),
  runId: str(r.run_id),
  account: str(r.account),
  outcome: str(r.outcome) as RotationOutcome,
  reason: str(r.reason),
  at: str(r.at),
});

/** Scheduled rotation: tasks per resource group, their runs and per-account results. */
export function rotationRepo(db: Knex | Knex.Transaction) {
  return {
    async insertTask(t: RotationTaskRow): Promise<void> {
      await db('rotation_tasks').insert({
        id: t.id,
        name: t.name,
        group_id: t.groupId,
        schedule_kind: t.scheduleKind,
        once_at: t.onceAt,
        every_days: t.everyDays,
        month_day: t.monthDay,
        at_time: t.atTime,
        password_mode: t.passwordMode,
        notify_before_minutes: t.notifyBeforeMinutes,
        admin_account: t.adminAccount,
        next_run_at: t.nextRunAt,
        notified_for: t.notifiedFor,
        created_by: t.createdBy,
        created_at: t.createdAt,
      });
    },
    async taskByName(name: string): Promise<RotationTaskRow | undefined> {
      const r = await db('rotation_tasks').where({ name }).first();
      return r ? toTask(r) : undefined;
    },
    async tasks(): Promise<RotationTaskRow[]> {
      return (await db('rotation_tasks').orderBy('name')).map(toTask);
    },
    async setNextRun(id: string, nextRunAt: string | null): Promise<void> {
      await db('rotation_tasks').where({ id }).update({ next_run_at: nextRunAt });
    },
    /** Compare-and-set: true for the one caller that moved it (two nodes never run one occurrence). */
    async claimRun(id: string, expected: string, nextRunAt: string | null): Promise<boolean> {
      return (
        (await db('rotation_tasks')
          .where({ id, next_run_at: expected })
          .update({ next_run_at: nextRunAt })) === 1
      );
    },
    async setNotifiedFor(id: string, at: string): Promise<void> {
      await db('rotation_tasks').where({ id }).update({ notified_for: at });
    },
    async removeTask(id: string): Promise<void> {
      await db('rotation_tasks').where({ id }).delete();
    },
    async insertRun(r: RotationRunRow): Promise<void> {
      await db('rotation_runs').insert({
        id: r.id,
        task_id: r.taskId,
        trigger: r.trigger,
        actor: r.actor,
        started_at: r.startedAt,
        finished_at: r.finishedAt,
        changed: r.changed,
        skipped: r.skipped,
        failed: r.failed,
        lease_token: r.leaseToken ?? null,
      });
    },
    /** Scheduled runs never finished that were started under a lease older than `token`. */
    async orphanedRuns(token: number): Promise<RotationRunRow[]> {
      return (
        await db('rotation_runs')
          .whereNull('finished_at')
          .where({ trigger: 'schedule' })
          .whereNotNull('lease_token')
          .where('lease_token', '<', token)
          .orderBy('started_at')
      ).map(toRun);
    },
    /** Compare-and-set: true for the one holder that takes the run over from `from`. */
    async takeOverRun(id: string, from: number, to: number): Promise<boolean> {
      return (
        (await db('rotation_runs')
          .where({ id, lease_token: from })
          .whereNull('finished_at')
          .update({ lease_token: to })) === 1
      );
    },
    async finishRun(
      id: string,
      at: string,
      counts: { changed: number; skipped: number; failed: number },
    ): Promise<void> {
      await db('rotation_runs')
        .where({ id })
        .update({ finished_at: at, ...counts });
    },
    async runsOf(taskId: string): Promise<RotationRunRow[]> {
      return (
        await db('rotation_runs')
          .where({ task_id: taskId })
          .orderBy('started_at', 'desc')
          .orderBy('id', 'desc')
      ).map(toRun);
    },
    async insertResults(rows: RotationResultRow[]): Promise<void> {
      // Batches keep PostgreSQL and SQLite under their bound-parameter limits.
      for (let i = 0; i < rows.length; i += 100)
        await db('rotation_results').insert(
          rows.slice(i, i + 100).map((r) => ({
            id: r.id,
            run_id: r.runId,
            account: r.account,
            outcome: r.outcome,
            reason: r.reason,
            at: r.at,
          })),
        );
    },
    async resultsOf(runId: string): Promise<RotationResultRow[]> {
      // Sorted here, by code point: database collations disagree about '/' and '-'.
      return (await db('rotation_results').where({ run_id: runId }))
        .map(toResult)
        .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
    },
  };
}
