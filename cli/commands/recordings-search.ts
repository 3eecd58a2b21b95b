// `custody recordings search | purge | hold | release | holds`: finding a moment in recordings by
// what was shown or typed, and how long recordings are kept. Core authorises and audits each one.
import type { Command } from 'commander';
import { UsageError } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output, table } from '../output.ts';

function isoOpt(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`--${name} must be an ISO date or time, got '${v.slice(0, 40)}'`);
  return new Date(t).toISOString();
}

function wholeNumber(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number ${min}-${max}`);
  return n;
}

/** h:mm:ss into the recording: where the player opens for the hit. */
function offsetText(seconds: number): string {
  const t = Math.floor(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

export function registerSearchAndRetention(rec: Command): void {
  rec
    .command('search <text>')
    .description(
      'recordings whose terminal showed or whose operator typed TEXT (a phrase), with the time offset',
    )
    .option('--user <name>', 'only sessions of this user')
    .option('--resource <name>', 'only sessions on this resource')
    .option('--since <iso>', 'only recordings started at or after this date or time')
    .option('--until <iso>', 'only recordings started before this date or time')
    .option('--limit <n>', 'at most this many matching lines (default 100, at most 1000)')
    .action(
      async (
        text: string,
        o: { user?: string; resource?: string; since?: string; until?: string; limit?: string },
        cmd: Command,
      ) => {
        const opts = globalsOf(cmd);
        const since = isoOpt(o.since, 'since');
        const until = isoOpt(o.until, 'until');
        const limit = wholeNumber(o.limit, 'limit', 1, 1000);
        const hits = await withCore(opts, (me) =>
          me.recordingSearch.search(text, {
            ...(o.user ? { user: o.user } : {}),
            ...(o.resource ? { resource: o.resource } : {}),
            ...(since ? { since } : {}),
            ...(until ? { until } : {}),
            ...(limit ? { limit } : {}),
          }),
        );
        new Output(!!opts.json).result(hits, (xs) =>
          xs.length
            ? table([
                ['RECORDING', 'OFFSET', 'USER', 'TARGET', 'KIND', 'LINE'],
                ...xs.map((h) => [h.recordingId, offsetText(h.offset), h.user, h.target, h.kind, h.line]),
              ])
            : 'no matches',
        );
      },
    );
  rec
    .command('purge')
    .description(
      'removes finished recordings older than DAYS (files, row, search index); never those on hold',
    )
    .requiredOption('--older-than <days>', 'recordings started more than this many days ago')
    .action(async (o: { olderThan: string }, cmd: Command) => {
      const opts = globalsOf(cmd);
      const days = wholeNumber(o.olderThan, 'older-than', 1, 36_500)!;
      const result = await withCore(opts, (me) => me.recordingRetention.purge(days));
      new Output(!!opts.json).result(
        result,
        (r) =>
          `purged ${r.purged.length} recording(s) started before ${r.cutoff}` +
          (r.held.length ? `; kept ${r.held.length} on legal hold` : ''),
      );
    });
  rec
    .command('hold <id>')
    .description('puts a recording on legal hold: no purge removes it until it is released')
    .requiredOption('--reason <text>', 'why it is held (a case or ticket reference), kept in the audit trail')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      const opts = globalsOf(cmd);
      const hold = await withCore(opts, (me) => me.recordingRetention.hold(id, o.reason));
      new Output(!!opts.json).result(hold, (h) => `recording ${h.recordingId} is on legal hold`);
    });
  rec
    .command('release <id>')
    .description('lifts the legal hold of a recording (retention applies to it again)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      await withCore(opts, (me) => me.recordingRetention.release(id));
      new Output(!!opts.json).result({ id, released: true }, () => `recording ${id} is no longer on hold`);
    });
  rec
    .command('holds')
    .description('recordings on legal hold, with who held them and why')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const holds = await withCore(opts, (me) => me.recordingRetention.holds());
      new Output(!!opts.json).result(holds, (xs) =>
        xs.length
          ? table([
              ['RECORDING', 'HELD AT', 'BY', 'REASON'],
              ...xs.map((h) => [h.recordingId, h.heldAt, h.heldBy, h.reason]),
            ])
          : 'no recordings on hold',
      );
    });
}
