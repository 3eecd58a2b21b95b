import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import cliProgress from 'cli-progress';
import { parseCheckpoint, UsageError, type AuditCheckpoint, type AuditResult } from '../../core/index.ts';
import { withCore, globalsOf, type GlobalOptions } from '../context.ts';
import { Output, table } from '../output.ts';
import { writeOutputFile } from '../safe-output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);
const collect = (v: string, prev: string[] = []) => [...prev, v];

function intOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

function parseMap(pairs: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--map takes ATTRIBUTE=CSV HEADER, got '${p.slice(0, 60)}'`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

interface AuditListOptions {
  type?: string;
  actor?: string;
  target?: string;
  result?: string;
  since?: string;
  until?: string;
  limit: string;
}

const AUDIT_RESULTS: AuditResult[] = ['success', 'denied', 'failure'];

/** `--since`/`--until`: an ISO date or date-time (UTC unless it names a zone), or an age (`30m`). */
function auditTime(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const age = /^(\d+)([smhd])$/.exec(v.trim());
  if (age) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(age[1]) * unit).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) {
    const text = v.trim().replace(' ', 'T');
    const t = new Date(/T/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text);
    if (!Number.isNaN(t.getTime())) return t.toISOString();
  }
  throw new UsageError(`--${name}: '${v.slice(0, 40)}' is not a date, a time or an age like 12h`);
}

export function registerAdmin(program: Command): void {
  const policy = program.command('policy').description('password policies');
  policy
    .command('list')
    .description('password policies and their rules; * marks the default')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const ps = await withCore(opts, (me) => me.policies.list());
      new Output(!!opts.json).result(ps, (xs) =>
        table([
          [
            'POLICY',
            'LENGTH',
            'MIXED',
            'DIGITS',
            'SPECIAL',
            'ALPHA-FIRST',
            'NAME-OK',
            'HISTORY',
            'AGE',
            'DEFAULT',
          ],
          ...xs.map((p) => [
            p.name,
            `${p.minLength}-${p.maxLength}`,
            p.mixedCase ? 'y' : 'n',
            String(p.minDigits),
            String(p.minSpecial),
            p.startWithAlpha ? 'y' : 'n',
            p.allowLoginName ? 'y' : 'n',
            String(p.historyCount),
            p.maxAgeDays ? `${p.maxAgeDays}d` : '-',
            p.isDefault ? '*' : '',
          ]),
        ]),
      );
    });
  policy
    .command('add <name>')
    .description('add a custom password policy')
    .requiredOption('--min-length <n>', 'shortest password allowed')
    .option('--max-length <n>', 'longest password allowed', '64')
    .option('--mixed-case', 'require upper- and lower-case letters')
    .option('--min-digits <n>', 'digits required (0 = none)', '0')
    .option('--min-special <n>', 'special characters required (0 = none)', '0')
    .option('--start-with-alpha', 'require the first character to be a letter')
    .option('--allow-login-name', 'allow the password to contain the login name')
    .option('--history <n>', 'previous passwords that may not be reused', '0')
    .option('--max-age-days <n>', 'days after which a password expires (0 = never)', '0')
    .option('--description <text>', 'what the policy is for', '')
    .action(async (name: string, o: Record<string, string | boolean>, cmd: Command) => {
      const opts = g(cmd);
      const minSpecial = intOpt(o.minSpecial as string, 'min-special')!;
      const p = await withCore(opts, (me) =>
        me.policies.create({
          name,
          description: o.description as string,
          minLength: intOpt(o.minLength as string, 'min-length')!,
          maxLength: intOpt(o.maxLength as string, 'max-length')!,
          mixedCase: !!o.mixedCase,
          minDigits: intOpt(o.minDigits as string, 'min-digits')!,
          requireSpecial: minSpecial > 0,
          minSpecial,
          startWithAlpha: !!o.startWithAlpha,
          allowLoginName: !!o.allowLoginName,
          historyCount: intOpt(o.history as string, 'history')!,
          maxAgeDays: intOpt(o.maxAgeDays as string, 'max-age-days')!,
        }),
      );
      new Output(!!opts.json).result(p, (x) => `created policy ${x.name}`);
    });
  policy
    .command('delete <name>')
    .description('delete a custom policy (built-in ones cannot be deleted)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.policies.remove(name));
      new Output(!!opts.json).result({ policy: name, deleted: true }, () => `deleted policy ${name}`);
    });
  policy
    .command('default <name>')
    .description('make a policy the default for accounts whose resource and groups name none')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.policies.setDefault(name));
      new Output(!!opts.json).result({ default: name }, () => `default policy is now ${name}`);
    });

  const audit = program.command('audit').description('the audit trail');
  audit
    .command('verify')
    .description('check the audit chain; exit 3 and the first bad row if it is broken')
    .option('--checkpoint <file>', 'also check the chain against a checkpoint from `audit checkpoint`')
    .action(async (o: { checkpoint?: string }, cmd: Command) => {
      const opts = g(cmd);
      let checkpoint: AuditCheckpoint | undefined;
      if (o.checkpoint) {
        const text = await fs.readFile(o.checkpoint, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(`cannot read checkpoint ${o.checkpoint} (${e.code ?? 'error'})`);
        });
        checkpoint = parseCheckpoint(text);
      }
      const r = await withCore(opts, (me) => me.audit.verify(checkpoint ? { checkpoint } : {}));
      new Output(!!opts.json).result(r, (x) =>
        x.ok
          ? `audit chain intact: ${x.rows} rows${x.checkpoint ? ` (holds the checkpoint of ${x.checkpoint.at} at row ${x.checkpoint.seq})` : ''}`
          : `audit chain BROKEN at row ${x.firstBad!.seq}: ${x.firstBad!.reason}`,
      );
      if (!r.ok) process.exitCode = 3;
    });
  audit
    .command('checkpoint')
    .description('writes the chain head with a MAC under the audit key, to keep off the database')
    .requiredOption('--output <file>', 'a new file (mode 0600)')
    .option('--force', 'replace an existing regular file')
    .action(async (o: { output: string; force?: boolean }, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, async (me, opened) => {
        let cp: AuditCheckpoint | undefined;
        const file = await writeOutputFile(
          o.output,
          { force: !!o.force, layout: opened.layout },
          async (fh) => {
            cp = await me.audit.checkpoint();
            await fh.write(JSON.stringify(cp) + '\n');
          },
        );
        return { seq: cp!.seq, at: cp!.at, output: file };
      });
      new Output(!!opts.json).result(r, (x) => `checkpoint of row ${x.seq} (${x.at}) written to ${x.output}`);
    });
  audit
    .command('list')
    .description("audit rows, newest first, filtered like the console's Audit screen")
    .option('--type <prefix>', 'only events whose type starts with this (e.g. password. or session.start)')
    .option('--actor <name>', 'only rows of this actor (a user name, or host:<os user>)')
    .option('--target <name>', 'only rows about this target (an account, resource, user…)')
    .option('--result <r>', 'success, denied or failure')
    .option('--since <when>', 'from this time on: an ISO date or time (UTC), or an age like 30m, 12h, 7d')
    .option('--until <when>', 'before this time (same forms as --since)')
    .option('--limit <n>', 'at most this many rows', '50')
    .action(async (o: AuditListOptions, cmd: Command) => {
      const opts = g(cmd);
      if (o.result !== undefined && !AUDIT_RESULTS.includes(o.result as AuditResult))
        throw new UsageError(`--result must be one of ${AUDIT_RESULTS.join(', ')}`);
      const since = auditTime(o.since, 'since');
      const until = auditTime(o.until, 'until');
      const rows = await withCore(opts, (me) =>
        me.audit.query({
          ...(o.type ? { type: o.type } : {}),
          ...(o.actor ? { actor: o.actor } : {}),
          ...(o.target ? { target: o.target } : {}),
          ...(o.result ? { result: o.result as AuditResult } : {}),
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          limit: intOpt(o.limit, 'limit') ?? 50,
        }),
      );
      new Output(!!opts.json).result(rows, (xs) =>
        table([
          ['SEQ', 'AT', 'EVENT', 'CODE', 'ACTOR', 'TARGET', 'RESULT'],
          ...xs.map((r) => [String(r.seq), r.at, r.type, r.code, r.actor, r.targetName, r.result]),
        ]),
      );
    });

  const key = program.command('key').description('the master key');
  key
    .command('rotate')
    .description('re-encrypt every secret under a new master key (safe to kill and rerun)')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const out = new Output(!!opts.json);
      const r = await withCore(opts, async (me, opened) => {
        const bar =
          process.stderr.isTTY && !opts.json
            ? new cliProgress.SingleBar(
                { format: 'rotating {bar} {value}/{total} secrets' },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        let started = false;
        let lastPct = -1;
        const result = await me.keys.rotate(opened.layout.keyFile, (done, total) => {
          if (bar) {
            if (!started) bar.start(total, done);
            started = true;
            bar.update(done);
          } else {
            const pct = total ? Math.floor((done / total) * 10) * 10 : 100;
            if (pct !== lastPct) out.note(`rotating: ${done}/${total} secrets (${pct}%)`);
            lastPct = pct;
          }
        });
        bar?.stop();
        // Prove the result before saying so: every secret must open with the new key file.
        const check = await me.keys.check(opened.layout.keyFile);
        return { ...result, checked: check.checked, unreadable: check.failed.length };
      });
      out.result(
        r,
        (x) =>
          `${x.resumed ? 'resumed and ' : ''}re-encrypted ${x.reencrypted} secrets under key ${x.keyId}; ${x.checked} secrets verified readable`,
      );
      if (r.unreadable) process.exitCode = 1;
    });
  key
    .command('check')
    .description('check that every secret can be decrypted with the key file')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, async (me, opened) => {
        return me.keys.check(opened.layout.keyFile);
      });
      new Output(!!opts.json).result(r, (x) =>
        x.failed.length
          ? [`${x.failed.length} secrets cannot be read:`, ...x.failed.slice(0, 20)]
          : `all ${x.checked} secrets readable`,
      );
      if (r.failed.length) process.exitCode = 1;
    });

  const imp = program
    .command('import')
    .description('CSV import (header row; one line per user / per account)');
  for (const what of ['users', 'resources'] as const) {
    imp
      .command(`${what} <file>`)
      .description(
        what === 'resources'
          ? 'import resources and accounts from CSV, one line per account'
          : 'import users from CSV, one line per user',
      )
      .option('--map <attr=header>', 'map an attribute to a CSV column (repeatable)', collect)
      .option(
        '--overwrite',
        what === 'resources' ? 'update resources that already exist' : 'not available for users',
      )
      .action(async (file: string, o: { map?: string[]; overwrite?: boolean }, cmd: Command) => {
        const opts = g(cmd);
        let text: string;
        try {
          text = await fs.readFile(file, 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        const report = await withCore(opts, (me) =>
          what === 'users'
            ? me.imports.importUsers(file, text, { mapping: parseMap(o.map) })
            : me.imports.importResources(file, text, {
                mapping: parseMap(o.map),
                overwrite: !!o.overwrite,
              }),
        );
        new Output(!!opts.json).result(report, (r) => [
          ...r.results.map(
            (x) =>
              `line ${x.line}: ${x.status}${x.name ? ` ${x.name}` : ''}${x.message ? ` — ${x.code ? `${x.code}: ` : ''}${x.message}` : ''}`,
          ),
          `${r.counts.created} created, ${r.counts.updated} updated, ${r.counts.skipped} skipped, ${r.counts.error} errors`,
        ]);
        if (report.counts.error) process.exitCode = 1;
      });
  }
}
