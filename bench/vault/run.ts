// Vault benchmark (not a test): `npm run bench:vault` or `node bin/run-ts.mjs bench/vault/run.ts`.
//
// Builds a throw-away SQLite home with 100,000 accounts over 1,000 resources, a non-super
// administrator `bench` owning some of them and a password-user `reader` reaching others through
// account, resource, static-group and criteria-group shares, then measures:
//   - reveal latency through core.accounts.reveal (authorization + decrypt + audit append), for
//     the owner and for the shared reader;
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
import {
  layoutOf,
  REPOSITORY_ROOT,
  Secret,
  type Account,
  type Actor,
  type Resource,
  type Share,
} from '../../core/index.ts';
import { createTestVault, type TestVault } from '../../test/support/vault.ts';
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
const PER_RESOURCE = Math.ceil(ACCOUNTS / RESOURCES);

// Which resources belong to whom and reach the reader how (indices into the resource list).
const OWNED_BY_BENCH = { from: 0, to: Math.floor(RESOURCES * 0.3) }; // r0000..r0299: bench owns
const STATIC_GROUP = { from: 0, to: Math.floor(RESOURCES * 0.04) }; // bench's, in a static group
const CRITERIA_PREFIX = 'r01'; // r0100..r0199: bench's, matched by a criteria group
const ACCOUNT_SHARED = { from: Math.floor(RESOURCES * 0.3), to: Math.floor(RESOURCES * 0.4) }; // admin's
const ACCOUNT_SHARES_PER_RESOURCE = 4;
const RESOURCE_SHARED = { from: Math.floor(RESOURCES * 0.4), to: Math.floor(RESOURCES * 0.44) }; // admin's
const SHARE_STRIDE = Math.max(1, Math.floor(PER_RESOURCE / ACCOUNT_SHARES_PER_RESOURCE));
const NOISE_USERS = 8;
const NOISE_SHARES_PER_USER = 1000;

const resourceName = (i: number) => `r${String(i).padStart(4, '0')}`;
const accountName = (i: number) => `a${String(i).padStart(3, '0')}`;
const plaintextOf = (ri: number, ai: number) => `Bench#${ri}.${ai}-kQ7`;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const rnd = (n: number) => Math.floor(Math.random() * n);

interface Target {
  ref: string;
  expected: string;
  path: string;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50: r3(percentile(s, 50)),
    p95: r3(percentile(s, 95)),
    p99: r3(percentile(s, 99)),
    mean: r3(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
    max: r3(s[s.length - 1] ?? NaN),
  };
}

async function seed(v: TestVault, bench: Actor, reader: Actor): Promise<void> {
  const core = v.core;
  const ids = contextOf(core).ids;
  const keyring = contextOf(core).keyring;
  const now = contextOf(core).now();
  const type = (await contextOf(core).store.read((r) => r.types.byName('linux')))!;
  const resourceIds: string[] = [];
  const accountIds: string[][] = [];
  let made = 0;
  // Bulk, through the repositories and keyring as AccountsService.insertAccount does, one
  // transaction per 10 resources (the services would take one per account).
  for (let start = 0; start < RESOURCES; start += 10) {
    await contextOf(core).store.tx(async (r) => {
      for (let ri = start; ri < Math.min(RESOURCES, start + 10); ri++) {
        const resource: Resource = {
          id: ids.next(),
          name: resourceName(ri),
          typeId: type.id,
          dnsName: `${resourceName(ri)}.bench.example`,
          port: 22,
          description: `bench resource ${ri}`,
          department: '',
          location: '',
          url: '',
          domainName: '',
          policyId: null,
          ownerId: ri >= OWNED_BY_BENCH.from && ri < OWNED_BY_BENCH.to ? bench.user.id : v.host.user.id,
          allowPortForwarding: false,
          createdAt: now,
          updatedAt: now,
        };
        await r.resources.insert(resource);
        resourceIds[ri] = resource.id;
        accountIds[ri] = [];
        for (let ai = 0; ai < PER_RESOURCE && made < ACCOUNTS; ai++, made++) {
          const id = ids.next();
          const account: Account = {
            id,
            resourceId: resource.id,
            name: accountName(ai),
            notes: '',
            passwordEnc: keyring.seal(Secret.fromString(plaintextOf(ri, ai)), aad.account(id)),
            passwordChangedAt: now,
            passwordChangedBy: v.host.name,
            credentialKind: 'password',
            createdAt: now,
          };
          await r.accounts.insert(account);
          accountIds[ri]!.push(id);
        }
      }
    });
    if (start % 200 === 0) log(`seeded ${made}/${ACCOUNTS} accounts`);
  }

  // The reader's access, granted through the real services by whoever owns the object.
  await core.userGroups.create(v.host, 'bench-readers');
  await core.userGroups.addMember(v.host, 'bench-readers', reader.name);
  for (let ri = ACCOUNT_SHARED.from; ri < ACCOUNT_SHARED.to; ri++)
    for (let k = 0; k < ACCOUNT_SHARES_PER_RESOURCE; k++)
      await core.sharing.grant(
        v.host,
        { kind: 'account', name: `${resourceName(ri)}/${accountName(k * SHARE_STRIDE)}` },
        { kind: 'user', name: reader.name },
        'view',
      );
  for (let ri = RESOURCE_SHARED.from; ri < RESOURCE_SHARED.to; ri++)
    await core.sharing.grant(
      v.host,
      { kind: 'resource', name: resourceName(ri) },
      { kind: 'user', name: reader.name },
      'view',
    );
  await core.groups.create(bench, { name: 'static-readers', kind: 'static' });
  for (let ri = STATIC_GROUP.from; ri < STATIC_GROUP.to; ri++)
    await core.groups.addResource(bench, 'bench/static-readers', resourceName(ri));
  await core.sharing.grant(
    bench,
    { kind: 'group', name: 'bench/static-readers' },
    { kind: 'user-group', name: 'bench-readers' },
    'view',
  );
  await core.groups.create(bench, {
    name: 'criteria-readers',
    kind: 'criteria',
    criteria: [{ field: 'resource-name', op: 'starts-with', value: CRITERIA_PREFIX }],
  });
  await core.sharing.grant(
    bench,
    { kind: 'group', name: 'bench/criteria-readers' },
    { kind: 'user', name: reader.name },
    'view',
  );

  // Other users' shares, so the shares table is not the reader's alone.
  for (let u = 0; u < NOISE_USERS; u++) {
    const other = await v.addUser(`other${u}`, 'password-user');
    await contextOf(core).store.tx(async (r) => {
      for (let k = 0; k < NOISE_SHARES_PER_USER; k++) {
        const ri = OWNED_BY_BENCH.to + rnd(RESOURCES - OWNED_BY_BENCH.to);
        const share: Share = {
          id: ids.next(),
          objectKind: 'account',
          objectId: accountIds[ri]![rnd(accountIds[ri]!.length)]!,
          granteeKind: 'user',
          granteeId: other.user.id,
          privilege: 'view',
          grantedBy: v.host.name,
          grantedAt: now,
        };
        await r.shares.upsert(share);
      }
    });
  }
}

function ownerTargets(): () => Target {
  return () => {
    const ri = OWNED_BY_BENCH.from + rnd(OWNED_BY_BENCH.to - OWNED_BY_BENCH.from);
    const ai = rnd(PER_RESOURCE);
    return { ref: `${resourceName(ri)}/${accountName(ai)}`, expected: plaintextOf(ri, ai), path: 'owner' };
  };
}

function readerTargets(): () => Target {
  const criteria: number[] = [];
  for (let ri = OWNED_BY_BENCH.from; ri < OWNED_BY_BENCH.to; ri++)
    if (resourceName(ri).startsWith(CRITERIA_PREFIX)) criteria.push(ri);
  const pick = (ri: number, ai: number, path: string): Target => ({
    ref: `${resourceName(ri)}/${accountName(ai)}`,
    expected: plaintextOf(ri, ai),
    path,
  });
  const paths = [
    () =>
      pick(
        ACCOUNT_SHARED.from + rnd(ACCOUNT_SHARED.to - ACCOUNT_SHARED.from),
        SHARE_STRIDE * rnd(ACCOUNT_SHARES_PER_RESOURCE),
        'account share',
      ),
    () =>
      pick(
        RESOURCE_SHARED.from + rnd(RESOURCE_SHARED.to - RESOURCE_SHARED.from),
        rnd(PER_RESOURCE),
        'resource share',
      ),
    () =>
      pick(STATIC_GROUP.from + rnd(STATIC_GROUP.to - STATIC_GROUP.from), rnd(PER_RESOURCE), 'static group'),
    () => pick(criteria[rnd(criteria.length)]!, rnd(PER_RESOURCE), 'criteria group'),
  ];
  return () => paths[rnd(paths.length)]!();
}

async function revealSeries(v: TestVault, actor: Actor, next: () => Target) {
  for (let i = 0; i < WARMUP; i++) {
    const t = next();
    (await v.core.accounts.reveal(actor, t.ref)).wipe();
  }
  const all: number[] = [];
  const byPath = new Map<string, number[]>();
  const began = performance.now();
  for (let i = 0; i < REVEALS && performance.now() - began < BUDGET_MS; i++) {
    const t = next();
    const t0 = performance.now();
    const secret = await v.core.accounts.reveal(actor, t.ref);
    const ms = performance.now() - t0;
    if (secret.reveal() !== t.expected) throw new Error(`${t.ref}: revealed the wrong value`);
    secret.wipe();
    all.push(ms);
    let xs = byPath.get(t.path);
    if (!xs) byPath.set(t.path, (xs = []));
    xs.push(ms);
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    ...stats(all),
    perSecond: Math.round(all.length / seconds),
    byPath: Object.fromEntries([...byPath].map(([k, xs]) => [k, stats(xs)])),
  };
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
