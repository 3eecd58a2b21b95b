import type { Command } from 'commander';
import { parseNotifyBefore, UsageError, type RotationReport, type Schedule } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output, table } from '../output.ts';
import { progressOf } from '../progress.ts';
import { EXIT_NOT_IN_SYNC } from './verify.ts';

interface AddOptions {
  group?: string;
  once?: string;
  everyDays?: string;
  monthly?: string;
  at?: string;
  commonPassword?: boolean;
  notifyBefore?: string;
  admin?: string;
}

function scheduleOf(o: AddOptions): Omit<Schedule, 'at'> & { at?: string } {
  const kinds = [o.once, o.everyDays, o.monthly].filter((x) => x !== undefined);
  if (kinds.length !== 1)
    throw new UsageError('give exactly one of --once AT, --every-days N, --monthly DAY');
  const at = o.at ? { at: o.at } : {};
  if (o.once !== undefined) {
    if (o.at) throw new UsageError('--at goes with --every-days or --monthly (--once takes a full time)');
    return { kind: 'once', onceAt: o.once };
  }
  const n = Number(o.everyDays ?? o.monthly);
  if (!Number.isInteger(n))
    throw new UsageError(`${o.everyDays ? '--every-days' : '--monthly'} takes a whole number`);
  return o.everyDays !== undefined
    ? { kind: 'days', everyDays: n, ...at }
    : { kind: 'monthly', monthDay: n, ...at };
}

/** The results report: a summary line, then one line per account. */
export function reportLines(r: RotationReport): string[] {
  return [
    `rotation ${r.task} (group ${r.group}), run ${r.runId} (${r.trigger}, by ${r.actor}) ${r.startedAt} – ${r.finishedAt ?? 'unfinished'}`,
    ...table(r.results.map((x) => [x.account, x.outcome, x.reason])),
    `${r.changed} changed, ${r.skipped} skipped, ${r.failed} failed`,
  ];
}

/** `custody rotation add|list|run|report|remove` (scheduled rotation per resource group). */
export function registerRotation(program: Command): void {
  const rotation = program.command('rotation').description('scheduled password rotation per resource group');
  rotation
    .command('add <name>')
    .description('schedule the rotation of every password of a resource group')
    .requiredOption('--group <group>', 'the resource group (GROUP or OWNER/GROUP)')
    .option('--once <at>', 'once, at this time (ISO-8601, e.g. 2026-12-01T02:00Z)')
    .option('--every-days <n>', 'every N days')
    .option('--monthly <day>', 'monthly on this day (1–31; the last day in shorter months)')
    .option('--at <HH:MM>', 'time of day (UTC) for --every-days and --monthly (default 02:00)')
    .option('--common-password', 'one new password for all accounts (default: a random one each)')
    .option('--notify-before <duration>', 'pre-notify those with access: 1m to 1w (30m, 2h, 1d12h, 1w)')
    .option(
      '--admin <account>',
      'log in as this account of each resource (sudo chpasswd); default: each account',
    )
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      const input = {
        name,
        group: o.group!,
        schedule: scheduleOf(o),
        passwordMode: o.commonPassword ? ('common' as const) : ('unique' as const),
        ...(o.notifyBefore ? { notifyBeforeMinutes: parseNotifyBefore(o.notifyBefore) } : {}),
        ...(o.admin ? { admin: o.admin } : {}),
      };
      const view = await withCore(opts, (me) => me.rotation.create(input));
      out.result(
        view,
        (v) => `rotation ${v.name} on group ${v.group}: ${v.schedule}; next run ${v.nextRunAt}`,
      );
    });
  rotation
    .command('list')
    .description('rotation tasks on the groups you may view: schedule, next run, last run')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      const list = await withCore(opts, (me) => me.rotation.list());
      out.result(list, (l) =>
        table([
          ['NAME', 'GROUP', 'SCHEDULE', 'PASSWORDS', 'NEXT RUN', 'LAST RUN'],
          ...l.map((t) => [
            t.name,
            t.group,
            t.schedule,
            t.passwordMode,
            t.nextRunAt ?? '-',
            t.lastRun
              ? `${t.lastRun.startedAt} ${t.lastRun.changed}/${t.lastRun.skipped}/${t.lastRun.failed}`
              : '-',
          ]),
        ]),
      );
    });
  rotation
    .command('run <name>')
    .description('rotate now and print the results report (exit 3 if any failed)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      const report = await withCore(opts, async (me) => {
        const bar = progressOf(out, !!opts.json, 'rotating', 'accounts');
        try {
          return await me.rotation.run(name, (d, t) => bar.update(d, t));
        } finally {
          bar.stop();
        }
      });
      out.result(report, reportLines);
      if (report.failed > 0) process.exitCode = EXIT_NOT_IN_SYNC;
    });
  rotation
    .command('report <name>')
    .description("the latest run's results report")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      const report = await withCore(opts, (me) => me.rotation.report(name));
      out.result(report, (r) => (r ? reportLines(r) : `rotation ${name} has not run yet`));
    });
  rotation
    .command('remove <name>')
    .description('delete a rotation task')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      await withCore(opts, (me) => me.rotation.remove(name));
      out.result({ name, removed: true }, () => `rotation ${name} removed`);
    });
}
