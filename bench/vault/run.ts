// Vault benchmark (not a test): `npm run bench:vault` or `node bin/run-ts.mjs bench/vault/run.ts`.
//
// Builds a throw-away SQLite home with 100,000 accounts over 1,000 resources, a non-super
// administrator `bench` owning some of them and a password-user `reader` reaching others through
// account, resource, static-group and criteria-group shares, then measures:
//   - reveal latency through core.accounts.reveal (authorization + decrypt + audit append), for
//     the owner and for the shared reader, each next to its same-run baselines measured
//     interleaved with it (bench/vault/baseline.ts: `select 1` on the same connection, one
//     `await setImmediate`, event-loop delay, GC pauses) and a split of its slowest 1 % into GC,
//     waiting for a core and the rest;
//   - key-rotation throughput (rotateMasterKey in-process over every secret, configured batch);
//   - the raw AES-256-GCM open+seal rate of the Keyring alone, and the ratio of the two.
// Prints a table and one JSON line, and writes bench/results/vault-<date>.json (git-ignored).
//
// Options: --accounts N (100000) --resources N (1000) --reveals N (2000) --warmup N (200)
//          --budget-s S (120: cap on each reveal series).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { aad } from '../../core/crypto/aad.ts';
import { newKeyEntry, type KeyFileContents } from '../../core/crypto/key-file.ts';
import { layoutOf, REPOSITORY_ROOT, Secret, type Actor } from '../../core/index.ts';
import { createTestVault, type TestVault } from '../../test/support/vault.ts';
import { benchVault, plaintextOf, type Target } from './fixture.ts';
import {
  baselineOf,
  findCriticalThreads,
  nextTurnMs,
  selectOneMs,
  timed,
  watchKnexClient,
  watchRuntime,
  type Timed,
} from './baseline.ts';
import { stats } from './stats.ts';
import { contextOf, Keyring, rotateMasterKey } from '../../test/support/core-internals.ts';

const { values: argv } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100000' },
    resources: { type: 'string', default: '1000' },
    reveals: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    'budget-s': { type: 'string', default: '120' },
  },
});
const ACCOUNTS = Number(argv.accounts);
const RESOURCES = Number(argv.resources);
const REVEALS = Number(argv.reveals);
const WARMUP = Number(argv.warmup);
const BUDGET_MS = Number(argv['budget-s']) * 1000;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
watchKnexClient();
const { seed, ownerTargets, readerTargets } = benchVault({ accounts: ACCOUNTS, resources: RESOURCES }, log);

async function revealSeries(v: TestVault, actor: Actor, next: () => Target) {
  for (let i = 0; i < WARMUP; i++) {
    const t = next();
    (await v.core.accounts.reveal(actor, t.ref)).wipe();
    await selectOneMs();
  }
  await findCriticalThreads();
  const reveals: Timed[] = [];
  const selectOne: number[] = [];
  const turns: number[] = [];
  const byPath = new Map<string, number[]>();
  const runtime = watchRuntime();
  const began = performance.now();
  for (let i = 0; i < REVEALS && performance.now() - began < BUDGET_MS; i++) {
    const t = next();
    const { value: secret, sample } = await timed(() => v.core.accounts.reveal(actor, t.ref));
    if (secret.reveal() !== t.expected) throw new Error(`${t.ref}: revealed the wrong value`);
    secret.wipe();
    reveals.push(sample);
    let xs = byPath.get(t.path);
    if (!xs) byPath.set(t.path, (xs = []));
    xs.push(sample.ms);
    // The baselines, interleaved: each reveal is followed by one of each, so they see the same
    // moments of the machine as the reveals do.
    selectOne.push(await selectOneMs());
    turns.push(await nextTurnMs());
  }
  const seconds = (performance.now() - began) / 1000;
  const baseline = baselineOf(reveals, selectOne, turns, await runtime.stop());
  return {
    ...stats(reveals.map((s) => s.ms)),
    perSecond: Math.round(reveals.length / seconds),
    byPath: Object.fromEntries([...byPath].map(([k, xs]) => [k, stats(xs)])),
    baseline,
  };
}

/** A reveal series' same-run baselines and where its slowest 1 % spent the time above the median. */
function baselineLines(name: string, s: Awaited<ReturnType<typeof revealSeries>>): string[] {
  const b = s.baseline;
  const ms = (x: number) => x.toFixed(2);
  return [
    `${name}: reveal p50 ${ms(s.p50)} / p99 ${ms(s.p99)} ms = ${(s.p50 / b.selectOne.p50).toFixed(1)}× / ${(s.p99 / b.selectOne.p99).toFixed(1)}× select 1`,
    `  select 1 (same connection)  p50 ${ms(b.selectOne.p50)} / p99 ${ms(b.selectOne.p99)} / max ${ms(b.selectOne.max)} ms`,
    `  await setImmediate          p50 ${ms(b.nextTurn.p50)} / p99 ${ms(b.nextTurn.p99)} / max ${ms(b.nextTurn.max)} ms`,
    `  event loop delay            p99 ${ms(b.loopDelayP99Ms)} / max ${ms(b.loopDelayMaxMs)} ms`,
    `  GC                          ${b.gc.pauses} pauses, ${ms(b.gc.totalMs)} ms (major ${b.gc.majorPauses}, ${ms(b.gc.majorMs)} ms), longest ${ms(b.gc.maxMs)} ms`,
    `  slowest 1 % (${b.tail.n}, from ${ms(b.tail.fromMs)} ms): mean ${ms(b.tail.meanMs)} ms, CPU ${ms(b.tail.meanCpuMs)} ms, in GC ${ms(b.tail.meanGcMs)} ms, waiting for a core ${ms(b.tail.meanRunQueueMs)} ms`,
    `    above the median (${ms(b.tail.excessMs)} ms): GC ${ms(b.tail.excessInGcMs)} ms, waiting for a core ${ms(b.tail.excessRunQueueMs)} ms, the rest (I/O, more work) ${ms(b.tail.excessRestMs)} ms`,
    `  every reveal: mean ${ms(b.all.meanMs)} ms, CPU ${ms(b.all.meanCpuMs)} ms, in GC ${ms(b.all.meanGcMs)} ms, waiting for a core ${ms(b.all.meanRunQueueMs)} ms`,
    `  without its wait for a core (estimate): p50 ${ms(b.withoutWait.p50)} / p99 ${ms(b.withoutWait.p99)} ms; and without GC: p50 ${ms(b.withoutWaitOrGc.p50)} / p99 ${ms(b.withoutWaitOrGc.p99)} ms`,
  ];
}

/** AES-256-GCM open under one key + seal under another, as rotation does per row, no database. */
function rawCryptoRate(minMs = 2000): { opsPerSecond: number; ops: number } {
  const a = newKeyEntry(new Date());
  const b = newKeyEntry(new Date());
  const before: KeyFileContents = { format: 'custody-key/1', current: a.id, keys: [a, b] };
  const from = new Keyring(before);
  const to = new Keyring({ ...before, rotatingTo: b.id });
  const cells = Array.from({ length: 1000 }, (_, i) => {
    const where = aad.account(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    return { where, sealed: from.seal(Secret.fromString(plaintextOf(i, i)), where) };
  });
  let ops = 0;
  const began = performance.now();
  let elapsed = 0;
  do {
    for (const c of cells) {
      const secret = to.open(c.sealed, c.where);
      to.seal(secret, c.where);
      secret.wipe();
    }
    ops += cells.length;
    elapsed = performance.now() - began;
  } while (elapsed < minMs);
  return { opsPerSecond: Math.round(ops / (elapsed / 1000)), ops };
}

async function main(): Promise<void> {
  const began = performance.now();
  log(`building a home with ${ACCOUNTS} accounts over ${RESOURCES} resources (SQLite)`);
  const v = await createTestVault();
  try {
    const bench = await v.addUser('bench', 'admin');
    const reader = await v.addUser('reader', 'password-user');
    const seedBegan = performance.now();
    await seed(v, bench, reader);
    const seedSeconds = (performance.now() - seedBegan) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`);

    log(`revealing as the owner (${bench.name}, admin without all-passwords scope)`);
    const owner = await revealSeries(v, bench, ownerTargets());
    log(`revealing as the shared password-user (${reader.name})`);
    const shared = await revealSeries(v, reader, readerTargets());

    log('raw AES-256-GCM open+seal (Keyring alone)');
    const raw = rawCryptoRate();

    log(
      `rotating the master key over every secret (batch ${contextOf(v.core).config.crypto.rotate_batch_size})`,
    );
    const marks: { done: number; at: number }[] = [];
    const rotBegan = performance.now();
    const rotation = await rotateMasterKey({
      store: contextOf(v.core).store,
      keyFile: layoutOf(v.home, contextOf(v.core).config).keyFile,
      clock: contextOf(v.core).clock,
      auditLog: contextOf(v.core).auditLog,
      actor: { name: v.host.name, source: 'bench' },
      batchSize: contextOf(v.core).config.crypto.rotate_batch_size,
      onProgress: (done) => marks.push({ done, at: performance.now() }),
    });
    const rotSeconds = (performance.now() - rotBegan) / 1000;
    const rotRate = Math.round(rotation.reencrypted / rotSeconds);
    // Throughput of the first and the last tenth of the rows: a flat rate means batches do not
    // slow down as the table fills up with rows already moved.
    const tenth = (lo: number, hi: number) => {
      const a = marks.find((m) => m.done >= lo * rotation.reencrypted)!;
      const b = marks.find((m) => m.done >= hi * rotation.reencrypted)!;
      return Math.round((b.done - a.done) / ((b.at - a.at) / 1000));
    };
    const firstTenth = tenth(0, 0.1);
    const lastTenth = tenth(0.9, 1);

    const totalSeconds = (performance.now() - began) / 1000;
    const result = {
      bench: 'vault',
      at: new Date().toISOString(),
      host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version },
      driver: contextOf(v.core).store.driver,
      accounts: ACCOUNTS,
      resources: RESOURCES,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      revealMs: { owner, shared },
      rotation: {
        secrets: rotation.reencrypted,
        batchSize: contextOf(v.core).config.crypto.rotate_batch_size,
        seconds: Math.round(rotSeconds * 100) / 100,
        secretsPerSecond: rotRate,
        firstTenthPerSecond: firstTenth,
        lastTenthPerSecond: lastTenth,
      },
      rawCrypto: { openSealPerSecond: raw.opsPerSecond, ops: raw.ops },
      rotationToRawRatio: Math.round((rotRate / raw.opsPerSecond) * 10000) / 10000,
      totalSeconds: Math.round(totalSeconds * 10) / 10,
    };

    const rows: string[][] = [
      ['measure', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'per s'],
      ...(
        [
          ['reveal: owner (bench)', owner],
          ['reveal: shared (reader)', shared],
          ...Object.entries(shared.byPath).map(([k, s]) => [`  via ${k}`, s] as const),
        ] as const
      ).map(([name, s]) => [
        name,
        String(s.n),
        s.p50.toFixed(2),
        s.p95.toFixed(2),
        s.p99.toFixed(2),
        s.max.toFixed(2),
        'perSecond' in s ? String(s.perSecond) : '',
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = [
      '',
      `Custody vault benchmark — ${ACCOUNTS} accounts, ${RESOURCES} resources, SQLite, ${result.host.cpus} CPUs, Node ${process.version}`,
      ...rows.map((r) =>
        r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
      ),
      '',
      ...baselineLines('owner', owner),
      ...baselineLines('shared', shared),
      '',
      `key rotation        ${rotation.reencrypted} secrets in ${rotSeconds.toFixed(2)} s = ${rotRate} secrets/s (first tenth ${firstTenth}/s, last tenth ${lastTenth}/s)`,
      `raw AES-256-GCM     ${raw.opsPerSecond} open+seal/s (Keyring alone, no database)`,
      `rotation / raw      ${(rotRate / raw.opsPerSecond).toFixed(4)} (${(raw.opsPerSecond / rotRate).toFixed(1)}× slower than the crypto alone)`,
      `seed ${seedSeconds.toFixed(1)} s, total ${totalSeconds.toFixed(1)} s`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    process.stdout.write(JSON.stringify(result) + '\n');
    const dir = path.join(REPOSITORY_ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `vault-${result.at.slice(0, 10)}.json`);
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    log(`results written to ${path.relative(REPOSITORY_ROOT, file)}`);
  } finally {
    await v.close();
  }
}

await main();
