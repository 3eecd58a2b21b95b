import type { Command } from 'commander';
import { pipeline } from 'node:stream/promises';
import { UsageError, type RecordingFormat } from '../../core/index.ts';
import { globalsOf, withCore, type GlobalOptions } from '../context.ts';
import { Output, table } from '../output.ts';
import { writeOutputFile } from '../safe-output.ts';
import { registerSearchAndRetention } from './recordings-search.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);

function isoOpt(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`--${name} must be an ISO date or time, got '${v.slice(0, 40)}'`);
  return new Date(t).toISOString();
}

function limitOpt(v: string | undefined): number {
  if (v === undefined) return 50;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new UsageError('--limit must be a whole number 1-10000');
  return n;
}

function duration(startedAt: string, endedAt: string | null): string {
  if (!endedAt) return '-';
  const s = Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(startedAt)) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export function registerRecordings(program: Command): void {
  const rec = program.command('recordings').description('session recordings (asciicast v2)');
  rec
    .command('list')
    .description('recordings, newest first')
    .option('--user <name>', 'only sessions of this user')
    .option('--resource <name>', 'only sessions on this resource')
    .option('--since <iso>', 'started at or after')
    .option('--until <iso>', 'started before')
    .option('--limit <n>', 'at most this many (default 50)')
    .action(
      async (
        o: { user?: string; resource?: string; since?: string; until?: string; limit?: string },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        const since = isoOpt(o.since, 'since');
        const until = isoOpt(o.until, 'until');
        const limit = limitOpt(o.limit);
        const rows = await withCore(opts, (me) =>
          me.recordings.list({
            ...(o.user ? { user: o.user } : {}),
            ...(o.resource ? { resource: o.resource } : {}),
            ...(since ? { since } : {}),
            ...(until ? { until } : {}),
            limit,
          }),
        );
        new Output(!!opts.json).result(rows, (xs) =>
          xs.length
            ? table([
                ['ID', 'STARTED', 'USER', 'TARGET', 'PROTOCOL', 'DURATION', 'BYTES', 'STATUS'],
                ...xs.map((r) => [
                  r.id,
                  r.startedAt,
                  r.user,
                  r.target,
                  r.protocol,
                  duration(r.startedAt, r.endedAt),
                  String(r.bytes),
                  r.status,
                ]),
              ])
            : 'no recordings',
        );
      },
    );
  rec
    .command('export <id>')
    .description('writes a recording (stdout unless --output)')
    .option('--format <format>', 'asciicast', 'asciicast')
    .option(
      '--output <file>',
      'write to this new file (mode 0600) instead of stdout; never a symlink, key file or data folder',
    )
    .option('--force', 'with --output: replace an existing regular file')
    .action(async (id: string, o: { format: string; output?: string; force?: boolean }, cmd: Command) => {
      const opts = g(cmd);
      if (o.format !== 'asciicast')
        throw new UsageError(`--format must be asciicast, got '${o.format.slice(0, 40)}'`);
      const out = new Output(!!opts.json);
      if (o.force && !o.output) throw new UsageError('--force goes with --output');
      const result = await withCore(opts, async (me, opened) => {
        const exportIt = () => me.recordings.export(id, o.format as RecordingFormat);
        let exp: Awaited<ReturnType<typeof exportIt>>;
        if (o.output) {
          // The target is checked before the export is made (and audited).
          await writeOutputFile(o.output, { force: !!o.force, layout: opened.layout }, async (fh) => {
            exp = await exportIt();
            for await (const chunk of exp.open()) await fh.write(chunk as Buffer);
          });
        } else {
          exp = await exportIt();
          await pipeline(exp.open(), process.stdout, { end: false });
        }
        return {
          id: exp!.id,
          format: exp!.format,
          bytes: exp!.bytes,
          ...(o.output ? { output: o.output } : {}),
        };
      });
      // With the recording on stdout, stdout carries nothing else.
      if (o.output) out.result(result, (r) => `exported recording ${r.id} (${r.bytes} bytes) to ${o.output}`);
    });
  registerSearchAndRetention(rec);
}
