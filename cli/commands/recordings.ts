import type { Command } from 'commander';
import { pipeline } from 'node:stream/promises';
import { promises as fs } from 'node:fs';
import {
  RECORDING_VERIFY_EXIT,
  UsageError,
  verifyBundleFile,
  type RecordingFormat,
  type RecordingVerifyReport,
} from '../../core/index.ts';
import { globalsOf, withCore, type GlobalOptions } from '../context.ts';
import { withRecordingsCore } from '../recordings-core.ts';
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

function secondsOpt(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`--at must be a number of seconds from 0, got '${v.slice(0, 40)}'`);
  return n;
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
  const rec = program
    .command('recordings')
    .description('session recordings (encrypted, signed; exported as asciicast v2)');
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
    .option(
      '--format <format>',
      "asciicast (plays in asciinema), raw (the output bytes exactly), bundle (for verify --bundle elsewhere), text or json (file-transfer operations), png (a desktop recording's screen at --at)",
      'asciicast',
    )
    .option(
      '--at <seconds>',
      'with --format png: the moment to show, in seconds from the start (default: the end)',
    )
    .option(
      '--output <file>',
      'write to this new file (mode 0600) instead of stdout; never a symlink, key file or data folder',
    )
    .option('--force', 'with --output: replace an existing regular file')
    .action(
      async (
        id: string,
        o: { format: string; output?: string; force?: boolean; at?: string },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        if (!EXPORT_FORMATS.includes(o.format))
          throw new UsageError(
            `--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${o.format.slice(0, 40)}'`,
          );
        const out = new Output(!!opts.json);
        if (o.force && !o.output) throw new UsageError('--force goes with --output');
        if (o.at !== undefined && o.format !== 'png') throw new UsageError('--at goes with --format png');
        const at = o.at === undefined ? undefined : secondsOpt(o.at);
        const result = await withRecordingsCore(opts, async (me, opened) => {
          const exportIt = () =>
            me.recordings.export(id, o.format as RecordingFormat, at === undefined ? {} : { at });
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
            ...(exp!.at !== undefined ? { at: exp!.at } : {}),
            ...(o.output ? { output: o.output } : {}),
          };
        });
        // With the recording on stdout, stdout carries nothing else.
        if (o.output)
          out.result(
            result,
            (r) =>
              `exported recording ${r.id}${r.at !== undefined ? ` at ${r.at.toFixed(3)} s` : ''} (${r.bytes} bytes) to ${o.output}`,
          );
      },
    );

  rec
    .command('verify [id]')
    .description(
      "checks recordings against their hash chain and signed manifest: exit 0 intact (or cut short by a crash), 3 damaged or tampered, 4 legacy (not signed), 5 held on another cluster node's disk (not checked here)",
    )
    .option('--all', 'check every recording')
    .option(
      '--bundle <file>',
      'check a bundle from `export --format bundle` offline (no home, no master key)',
    )
    .option(
      '--pubkey <file>',
      "with --bundle: trust only this public key (`recordings pubkey` of the recording's node)",
    )
    .action(
      async (
        id: string | undefined,
        o: { all?: boolean; bundle?: string; pubkey?: string },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        const out = new Output(!!opts.json);
        if ([id !== undefined, !!o.all, !!o.bundle].filter(Boolean).length !== 1)
          throw new UsageError('give one of: a recording id, --all, --bundle FILE');
        if (o.pubkey && !o.bundle) throw new UsageError('--pubkey goes with --bundle');
        let reports: RecordingVerifyReport[];
        if (o.bundle) {
          const pem = o.pubkey ? await fs.readFile(o.pubkey, 'utf8') : undefined;
          const r = await verifyBundleFile(o.bundle, pem);
          reports = [r];
          if (!opts.json)
            console.log(
              `signer ${r.publicKey.slice(0, 16)}… (${r.trusted ? 'the key given' : "the bundle's own key: compare it with the node's"})`,
            );
        } else {
          reports = await withRecordingsCore(opts, (me) =>
            me.recordings.verify(id === undefined ? undefined : [id]),
          );
        }
        out.result(reports, (rs) =>
          rs.length
            ? rs.map((r) => `${r.id}  ${r.status.padEnd(11)} ${r.reason}`).join('\n')
            : 'no recordings',
        );
        // Tampering outranks legacy: a script sees 3 whenever anything checked is damaged.
        const codes = reports.map((r) => RECORDING_VERIFY_EXIT[r.status]);
        process.exitCode = codes.includes(3) ? 3 : Math.max(0, ...codes);
      },
    );
  rec
    .command('pubkey')
    .description("prints the node's public recording signing key (PEM), for verifiers elsewhere")
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const key = await withCore(opts, (me) => me.recordings.publicKey());
      new Output(!!opts.json).result(key, (k) => k.publicKey.trimEnd());
    });
  registerSearchAndRetention(rec);
}

const EXPORT_FORMATS: readonly string[] = ['asciicast', 'raw', 'bundle', 'text', 'json', 'png'];
