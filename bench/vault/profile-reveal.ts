// Where the time of one reveal goes (not a test): `node bin/run-ts.mjs bench/vault/profile-reveal.ts`.
//
// Builds the benchmark vault of bench/vault/run.ts (bench/vault/fixture.ts), then reveals as the
// owner and as the shared reader while recording every SQL statement the SQLite driver runs (from
// the call to its callback: the driver's thread-pool hop included), the decrypt and the audit
// row's HMAC. Per reveal series it prints how many statements a reveal takes, each phase's share
// (p50, mean, p99 per reveal), and what the slowest 1 % of reveals spent their time on. A reveal
// during which SQLite restarted its write-ahead log (the WAL header's checkpoint counter moved)
// is marked: the commit before it ran a checkpoint.
//
// Options: --accounts N (100000) --resources N (1000) --reveals N (1000) --warmup N (100)
//          --autocheckpoint N (WAL pages before SQLite checkpoints inside a commit; default: the
//          product's setting) --synchronous full|normal (default: the product's setting; normal
//          only to show what the commit's fsync costs, the product does not run it).
import { openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sqlite3 from 'sqlite3';
import { layoutOf, type Actor } from '../../core/index.ts';
import { createTestVault, type TestVault } from '../../test/support/vault.ts';
import { contextOf } from '../../test/support/core-internals.ts';
import { benchVault, type Target } from './fixture.ts';
import { stats } from './stats.ts';

const { values: argv } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100000' },
    resources: { type: 'string', default: '1000' },
    reveals: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '100' },
    autocheckpoint: { type: 'string' },
    synchronous: { type: 'string' },
  },
});
const REVEALS = Number(argv.reveals);
const WARMUP = Number(argv.warmup);
const log = (line: string) => process.stderr.write(`[profile] ${line}\n`);

/** What a statement is for, by its text. */
const PHASES: [string, RegExp][] = [
  ['begin', /^(BEGIN|SAVEPOINT)/i],
  ['write lock (and audit head)', /^UPDATE audit_head SET id = id/],
  ['reveal context', /reveal_context|\/\*reveal\*\//],
  ['account (by name)', /from `accounts` inner join `resources`/],
  ['grants', /^\s*WITH my_groups|^\s*WITH .*my_groups/s],
  ['access settings', /from `access_settings`/],
  ['check-out', /from `account_holds`/],
  ['settings', /from `settings`/],
  ['recent list', /`recents`|recents/],
  ['audit head read', /^select .* from `audit_head`/],
  ['audit append', /audit_events/],
  ['audit head update', /^update `audit_head`/],
  ['commit', /^(COMMIT|RELEASE)/i],
];
const phaseOf = (sql: string) => PHASES.find(([, re]) => re.test(sql))?.[0] ?? `other: ${sql.slice(0, 60)}`;

interface Sample {
  ms: number;
  statements: { phase: string; ms: number }[];
  js: Record<string, number>;
  walRestarted: boolean;
}

let current: Sample | undefined;
let connection: sqlite3.Database | undefined;

/** Times one driver call from the call to its callback, into the reveal being sampled. */
function timeCall(sql: string, args: unknown[]): void {
  const cb = args[args.length - 1];
  const sample = current;
  if (!sample || typeof cb !== 'function') return;
  const t0 = performance.now();
  args[args.length - 1] = function (this: unknown, ...r: unknown[]) {
    sample.statements.push({ phase: phaseOf(sql), ms: performance.now() - t0 });
    return (cb as (...x: unknown[]) => unknown).apply(this, r);
  };
}

// A statement knex sends goes through Database#all or #run with a callback last; once the store
// has compiled it (core/storage/sqlite-statement-cache.ts), through Statement#all or #run on the
// statement Database#prepare made, whose SQL is remembered here.
const sqlOf = new WeakMap<object, string>();
for (const method of ['all', 'run', 'get', 'exec', 'prepare'] as const) {
  const original = sqlite3.Database.prototype[method] as (...a: unknown[]) => unknown;
  (sqlite3.Database.prototype as unknown as Record<string, unknown>)[method] = function (
    this: sqlite3.Database,
    ...args: unknown[]
  ) {
    // The one connection of the store (pool of one), kept to set pragmas on between reveals.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    connection = this;
    const sql = String(args[0]);
    timeCall(sql, args);
    const result = original.apply(this, args);
    if (method === 'prepare' && result && typeof result === 'object') sqlOf.set(result, sql);
    return result;
  };
}
for (const method of ['all', 'run'] as const) {
  const original = sqlite3.Statement.prototype[method] as (...a: unknown[]) => unknown;
  (sqlite3.Statement.prototype as unknown as Record<string, unknown>)[method] = function (
    this: sqlite3.Statement,
    ...args: unknown[]
  ) {
    const sql = sqlOf.get(this);
    if (sql !== undefined) timeCall(sql, args);
    return original.apply(this, args);
  };
}

function timeMethod(target: object, name: string, label: string): void {
  const t = target as Record<string, (...a: unknown[]) => unknown>;
  const original = t[name]!.bind(target);
  t[name] = (...a: unknown[]) => {
    const t0 = performance.now();
    try {
      return original(...a);
    } finally {
      if (current) current.js[label] = (current.js[label] ?? 0) + performance.now() - t0;
    }
  };
}

function pragma(sql: string): Promise<unknown[]> {
  return new Promise((resolve, reject) =>
    connection!.all(sql, [], (e: Error | null, rows: unknown[]) => (e ? reject(e) : resolve(rows))),
  );
}

/** The WAL header's checkpoint sequence number: it moves each time SQLite restarts the log. */
function walCheckpointSeq(file: string): number {
  const buf = Buffer.alloc(16);
  try {
    const fd = openSync(`${file}-wal`, 'r');
    try {
      readSync(fd, buf, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return -1;
  }
  return buf.readUInt32BE(12);
}

async function series(v: TestVault, actor: Actor, next: () => Target, dbFile: string): Promise<Sample[]> {
  for (let i = 0; i < WARMUP; i++) (await v.core.accounts.reveal(actor, next().ref)).wipe();
  const out: Sample[] = [];
  let seq = walCheckpointSeq(dbFile);
  for (let i = 0; i < REVEALS; i++) {
    const t = next();
    const sample: Sample = { ms: 0, statements: [], js: {}, walRestarted: false };
    current = sample;
    const t0 = performance.now();
    const secret = await v.core.accounts.reveal(actor, t.ref);
    sample.ms = performance.now() - t0;
    current = undefined;
    if (secret.reveal() !== t.expected) throw new Error(`${t.ref}: revealed the wrong value`);
    secret.wipe();
    const now = walCheckpointSeq(dbFile);
    sample.walRestarted = now !== seq;
    seq = now;
    out.push(sample);
  }
  return out;
}

function report(name: string, samples: Sample[]): string[] {
  const lines = [
    `${name}: ${samples.length} reveals, total ${JSON.stringify(stats(samples.map((s) => s.ms)))}`,
  ];
  const counts = stats(samples.map((s) => s.statements.length));
  lines.push(`  statements per reveal: p50 ${counts.p50}, max ${counts.max}`);
  const phases = new Map<string, number[]>();
  const perPhase = (s: Sample) => {
    const m = new Map<string, number>();
    for (const st of s.statements) m.set(st.phase, (m.get(st.phase) ?? 0) + st.ms);
    for (const [k, ms] of Object.entries(s.js)) m.set(`js: ${k}`, ms);
    const accounted = [...m.values()].reduce((a, b) => a + b, 0);
    m.set('js: the rest (knex, promises, services)', s.ms - accounted);
    return m;
  };
  for (const s of samples)
    for (const [k, ms] of perPhase(s)) {
      let xs = phases.get(k);
      if (!xs) phases.set(k, (xs = []));
      xs.push(ms);
    }
  const statementsOf = (phase: string) =>
    samples.reduce((n, s) => n + s.statements.filter((x) => x.phase === phase).length, 0) / samples.length;
  lines.push('  phase                                    n/reveal   p50 ms   mean ms   p99 ms');
  for (const [k, xs] of phases) {
    // A phase absent from some reveals counts as 0 there.
    const all = [...xs, ...Array<number>(samples.length - xs.length).fill(0)];
    const st = stats(all);
    const n = k.startsWith('js: ') ? '' : statementsOf(k).toFixed(2);
    lines.push(
      `  ${k.padEnd(40)} ${n.padStart(8)} ${st.p50.toFixed(3).padStart(8)} ${st.mean.toFixed(3).padStart(9)} ${st.p99.toFixed(3).padStart(8)}`,
    );
  }
  const sorted = [...samples].sort((a, b) => b.ms - a.ms);
  const tail = sorted.slice(0, Math.max(1, Math.ceil(samples.length / 100)));
  lines.push(`  slowest 1 % (${tail.length} reveals, from ${tail.at(-1)!.ms.toFixed(2)} ms):`);
  for (const s of tail) {
    const m = [...perPhase(s)].sort((a, b) => b[1] - a[1]);
    const after = samples.indexOf(s) + 1 < samples.length && samples[samples.indexOf(s) + 1]!.walRestarted;
    lines.push(
      `    ${s.ms.toFixed(2).padStart(8)} ms: ${m
        .slice(0, 3)
        .map(([k, ms]) => `${k} ${ms.toFixed(2)}`)
        .join(', ')}${after ? ' [checkpoint in this commit]' : ''}`,
    );
  }
  const restarts = samples.filter((s) => s.walRestarted).length;
  lines.push(`  WAL restarts (a checkpoint in the commit before): ${restarts} in ${samples.length} reveals`);
  return lines;
}

async function main(): Promise<void> {
  const fixture = benchVault({ accounts: Number(argv.accounts), resources: Number(argv.resources) }, log);
  const v = await createTestVault();
  try {
    const ctx = contextOf(v.core);
    const dbFile = path.resolve(layoutOf(v.home, ctx.config).sqliteFile);
    const bench = await v.addUser('bench', 'admin');
    const reader = await v.addUser('reader', 'password-user');
    log(`seeding ${argv.accounts} accounts`);
    await fixture.seed(v, bench, reader);
    timeMethod(ctx.keyring, 'open', 'decrypt');
    timeMethod(ctx.auditLog.chain, 'hash', 'audit HMAC');
    if (argv.autocheckpoint) await pragma(`PRAGMA wal_autocheckpoint = ${Number(argv.autocheckpoint)}`);
    if (argv.synchronous === 'normal' || argv.synchronous === 'full')
      await pragma(`PRAGMA synchronous = ${argv.synchronous.toUpperCase()}`);
    const settings = {
      synchronous: await pragma('PRAGMA synchronous'),
      autocheckpoint: await pragma('PRAGMA wal_autocheckpoint'),
      journal: await pragma('PRAGMA journal_mode'),
    };
    log(`connection: ${JSON.stringify(settings)}`);
    const owner = await series(v, bench, fixture.ownerTargets(), dbFile);
    const shared = await series(v, reader, fixture.readerTargets(), dbFile);
    process.stdout.write(
      [
        `reveal profile — ${argv.accounts} accounts, SQLite ${JSON.stringify(settings)}`,
        ...report('owner', owner),
        ...report('shared', shared),
        '',
      ].join('\n'),
    );
  } finally {
    await v.close();
  }
}

await main();
