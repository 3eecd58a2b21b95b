// Acceptance: key rotation over ≥ 10,000 secrets with the real `custody key rotate` process killed
// (SIGKILL) at several points and rerun. After every kill each secret still decrypts with the key
// file on disk and holds the value it had; the final run finishes the rotation, and a second
// rotation afterwards works too.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aad, aadFor } from '../../core/crypto/aad.ts';
import { SECRET_COLUMNS } from '../../core/storage/repos/index.ts';
import {
  layoutOf,
  openCore,
  REPOSITORY_ROOT,
  Secret,
  type Account,
  type PersonalPassword,
  type Resource,
} from '../../core/index.ts';
import { createTestVault, rawDb, type TestVault } from '../support/vault.ts';
import { contextOf, Keyring, readKeyFile } from '../support/core-internals.ts';

const RESOURCES = 50;
const ACCOUNTS_PER_RESOURCE = 200;
const HISTORY_EVERY = 20; // one history row for every 20th account
const PERSONAL = 12;
const BATCH = 200;

const CLI = path.join(REPOSITORY_ROOT, 'bin', 'custody.mjs');

/** Distinct, deterministic plaintexts, keyed by each cell's associated data (table, column, row). */
type Plaintexts = Map<string, string>;

async function seed(v: TestVault): Promise<Plaintexts> {
  const core = v.core;
  const keyring = contextOf(core).keyring;
  const ids = contextOf(core).ids;
  const now = contextOf(core).now();
  const admin = v.host.user;
  const values: Plaintexts = new Map();
  const sealAt = (where: string, plain: string): string => {
    values.set(where, plain);
    return keyring.seal(Secret.fromString(plain), where);
  };

  // Password-kind custom fields, defined through the service like an administrator would.
  const resField = await core.catalog.addField(v.host, 'resource', 'Console PIN', 'password');
  const accField = await core.catalog.addField(v.host, 'account', 'Recovery code', 'password');
  const type = (await contextOf(core).store.read((r) => r.types.byName('linux')))!;

  for (let ri = 0; ri < RESOURCES; ri++) {
    // One transaction per resource: 200 accounts, their history and custom values commit together.
    await contextOf(core).store.tx(async (r) => {
      const resource: Resource = {
        id: ids.next(),
        name: `srv${String(ri).padStart(3, '0')}`,
        typeId: type.id,
        dnsName: `srv${ri}.example`,
        port: 22,
        description: '',
        department: '',
        location: '',
        url: '',
        domainName: '',
        policyId: null,
        ownerId: admin.id,
        allowPortForwarding: false,
        createdAt: now,
        updatedAt: now,
      };
      await r.resources.insert(resource);
      await r.fields.setValue(
        'resource',
        resource.id,
        resField.id,
        null,
        sealAt(aad.customValue('resource', resource.id, resField.id), `pin-${ri}-Qx`),
      );
      for (let ai = 0; ai < ACCOUNTS_PER_RESOURCE; ai++) {
        const id = ids.next();
        const account: Account = {
          id,
          resourceId: resource.id,
          name: `acct${String(ai).padStart(3, '0')}`,
          notes: '',
          passwordEnc: sealAt(aad.account(id), `Pw#${ri}.${ai}-zK9`),
          passwordChangedAt: now,
          passwordChangedBy: v.host.name,
          credentialKind: 'password',
          createdAt: now,
        };
        await r.accounts.insert(account);
        const n = ri * ACCOUNTS_PER_RESOURCE + ai;
        if (n % HISTORY_EVERY === 0) {
          const hid = ids.next();
          await r.history.insert({
            id: hid,
            accountId: id,
            passwordEnc: sealAt(aad.history(hid), `Old#${ri}.${ai}-hR2`),
            changedAt: now,
            changedBy: v.host.name,
            source: 'test',
          });
        }
        if (ai === 0) {
          await r.fields.setValue(
            'account',
            id,
            accField.id,
            null,
            sealAt(aad.customValue('account', id, accField.id), `rc-${ri}-Wy7`),
          );
        }
      }
    });
  }

  await contextOf(core).store.tx(async (r) => {
    for (let i = 0; i < PERSONAL; i++) {
      const id = ids.next();
      const p: PersonalPassword = {
        id,
        ownerId: admin.id,
        title: `personal-${i}`,
        login: '',
        url: '',
        notes: '',
        passwordEnc: sealAt(aad.personal(id), `Mine#${i}-pP3`),
        createdAt: now,
        updatedAt: now,
      };
      await r.personal.insert(p);
    }
  });

  // TOTP secrets: no repository writes them yet, so set them on the row directly.
  const users = [admin.id, (await v.addUser('alice', 'password-user')).user.id];
  const db = await rawDb(v);
  try {
    for (const [i, id] of users.entries())
      await db('users')
        .where({ id })
        .update({ totp_secret_enc: sealAt(aad.totp(id), `JBSWY3DPEHPK3PX${i}`) });
    // A remote reset in flight: its sealed new password must survive rotation too.
    const account = (await db('accounts').orderBy('id').first('id')) as { id: string };
    const pendingId = ids.next();
    await db('pending_resets').insert({
      id: pendingId,
      account_id: account.id,
      password_enc: sealAt(aad.pendingReset(pendingId), 'Pending#1-rR5'),
      state: 'target-changed',
      actor: 'test',
      source: 'test',
      created_at: now,
      updated_at: now,
    });
    // Recordings' data keys, one sealed per recording row: rotation re-wraps them, never the files.
    for (let i = 0; i < 3; i++) {
      const rid = ids.next();
      await db('recordings').insert({
        id: rid,
        session_id: `s-${i}`,
        user_name: 'alice',
        target: 'r/a',
        protocol: 'ssh',
        source: 'test',
        started_at: now,
        ended_at: now,
        path: `2026/01/${rid}.rec`,
        bytes: 0,
        events: 0,
        status: 'complete',
        data_key_enc: sealAt(aad.recordingKey(rid), `recording-data-key-${i}-Kq7`),
      });
    }
  } finally {
    await db.destroy();
  }
  // A password sync channel's default password, set through the service.
  const channel = await core.sync.addChannel(v.host, 'rotation-sync', {
    defaultPassword: Secret.fromString('SyncDefault#1-sS8'),
  });
  const channelRow = (await contextOf(core).store.read((r) => r.sync.byName(channel.name)))!;
  values.set(aad.syncDefault(channelRow.id), 'SyncDefault#1-sS8');
  return values;
}

interface CellReport {
  /** How many cells are sealed under each key id. */
  byKey: Map<string, number>;
  total: number;
}

/** Opens every stored secret with the key file as it is on disk and compares it to the original. */
async function verifyAll(home: string, expected: Plaintexts): Promise<CellReport> {
  const { core, layout } = await openCore({ home });
  try {
    const keyring = new Keyring(await readKeyFile(layout.keyFile));
    const byKey = new Map<string, number>();
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const col of SECRET_COLUMNS) {
      for (const cell of await contextOf(core).store.read((r) => r.secrets.all(col))) {
        const where = aadFor(col.table, col.column, cell.rowKey);
        const keyId = Keyring.keyIdOf(cell.sealed) ?? '?';
        byKey.set(keyId, (byKey.get(keyId) ?? 0) + 1);
        seen.add(where);
        let plain: string;
        try {
          plain = keyring.open(cell.sealed, where).reveal();
        } catch (e) {
          wrong.push(`${where}: ${(e as Error).message}`);
          continue;
        }
        if (plain !== expected.get(where)) wrong.push(`${where}: value changed`);
      }
    }
    for (const where of expected.keys()) if (!seen.has(where)) wrong.push(`${where}: missing`);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(seen.size).toBe(expected.size);
    return { byKey, total: seen.size };
  } finally {
    await core.close();
  }
}

interface Progress {
  done: number;
  total: number;
  at: number;
}

interface Run {
  /** Progress lines seen so far: [done, total] of this run, and when. */
  progress: Progress[];
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves on the first progress line that satisfies `pred`; rejects if the process ends first. */
  waitFor(pred: (p: Progress) => boolean): Promise<Progress>;
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null; exitedBefore: boolean }>;
}

function cli(home: string, ...args: string[]): Run {
  const child = spawn(process.execPath, [CLI, '--home', home, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let partial = '';
  let exited = false;
  const progress: Run['progress'] = [];
  const waiters: {
    pred: (p: Progress) => boolean;
    resolve: (p: Progress) => void;
    reject: (e: Error) => void;
  }[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      const m = /^rotating: (\d+)\/(\d+) secrets/.exec(line);
      if (!m) continue;
      const p = { done: Number(m[1]), total: Number(m[2]), at: Date.now() };
      progress.push(p);
      for (const w of [...waiters]) {
        if (w.pred(p)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    }
  });
  const exitedP = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': the output is complete only once the pipes have closed.
    child.on('close', (code, signal) => {
      exited = true;
      for (const w of waiters.splice(0))
        w.reject(new Error(`process ended (code ${code}, signal ${signal}) first; stderr:\n${err}`));
      resolve({ code, signal });
    }),
  );
  return {
    progress,
    stdout: () => out,
    stderr: () => err,
    exited: exitedP,
    waitFor(pred) {
      const hit = progress.find(pred);
      if (hit) return Promise.resolve(hit);
      if (exited) return Promise.reject(new Error(`process already ended; stderr:\n${err}`));
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject }));
    },
    async kill() {
      const exitedBefore = exited;
      child.kill('SIGKILL');
      return { ...(await exitedP), exitedBefore };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function expectKilledMidRun(run: Run): Promise<void> {
  const r = await run.kill();
  // Had the process finished on its own, the kill would have tested nothing.
  expect(r.exitedBefore, `process exited by itself; stderr:\n${run.stderr()}`).toBe(false);
  expect(r.signal).toBe('SIGKILL');
  expect(r.code).toBeNull();
}

describe('key rotation killed with SIGKILL and rerun (SQLite, ≥ 10,000 secrets)', () => {
  let v: TestVault;
  let home: string;
  let keyFile: string;
  let expected: Plaintexts;
  let N: number;

  beforeAll(async () => {
    v = await createTestVault({ extraConfig: { crypto: { rotate_batch_size: BATCH } } });
    home = v.home;
    keyFile = layoutOf(home, contextOf(v.core).config).keyFile;
    expected = await seed(v);
    N = expected.size;
    // SQLite has one writer: the CLI gets the database to itself.
    await v.core.close();
  }, 120_000);

  afterAll(async () => {
    await v?.close();
  });

  it('covers every sealed column of the schema in SECRET_COLUMNS', async () => {
    const db = await rawDb(v);
    try {
      const tables = (await db('sqlite_master').where({ type: 'table' }).select('name')) as {
        name: string;
      }[];
      const sealed: string[] = [];
      for (const { name } of tables) {
        const cols = (await db.raw(`pragma table_info(${JSON.stringify(name)})`)) as { name: string }[];
        for (const c of cols) if (c.name.endsWith('_enc')) sealed.push(`${name}.${c.name}`);
      }
      expect(sealed.sort()).toEqual(SECRET_COLUMNS.map((c) => `${c.table}.${c.column}`).sort());
    } finally {
      await db.destroy();
    }
  });

  it('keeps every secret readable and unchanged through kills, then finishes; a second rotation works', async () => {
    expect(N).toBeGreaterThanOrEqual(10_000);
    const initial = await readKeyFile(keyFile);
    const oldKey = initial.current;
    expect(initial.rotatingTo).toBeUndefined();
    const start = await verifyAll(home, expected);
    expect(start.byKey.get(oldKey)).toBe(N);
    // Every secret column of the schema is covered by the seed.
    const db = await rawDb(v);
    try {
      for (const col of SECRET_COLUMNS) {
        const r = await db(col.table).whereNotNull(col.column).count({ n: '*' }).first();
        expect(Number(r?.n), `${col.table}.${col.column}`).toBeGreaterThan(0);
      }
    } finally {
      await db.destroy();
    }

    const onTarget = (rep: CellReport, target: string) => rep.byKey.get(target) ?? 0;
    const trail: string[] = [];
    const globalDone = (p: Progress) => N - p.total + p.done;

    // 1. Killed right after start, long before it can reach the database.
    {
      const run = cli(home, 'key', 'rotate');
      await sleep(50);
      await expectKilledMidRun(run);
      const kf = await readKeyFile(keyFile);
      expect(kf.current).toBe(oldKey);
      const rep = await verifyAll(home, expected);
      expect(rep.byKey.get(oldKey)).toBe(N);
    }

    // 2. Killed as soon as the rotation reports its start: the new key is in the file, few or no
    //    rows have moved.
    let target: string;
    {
      const run = cli(home, 'key', 'rotate');
      const first = await run.waitFor(() => true);
      expect(first.done).toBe(0);
      await expectKilledMidRun(run);
      const kf = await readKeyFile(keyFile);
      expect(kf.current).toBe(oldKey);
      expect(kf.rotatingTo).toBeDefined();
      target = kf.rotatingTo!;
      expect(target).not.toBe(oldKey);
      const rep = await verifyAll(home, expected);
      expect(onTarget(rep, target)).toBeLessThan(N);
      trail.push(`kill at start of moving: ${onTarget(rep, target)}/${N} on the new key`);
    }

    // 3. Killed in the middle (≥ 30 %): committed batches stay moved, the rest stays readable.
    let rowsPerMs: number;
    {
      const run = cli(home, 'key', 'rotate');
      const first = await run.waitFor(() => true);
      const at = await run.waitFor((p) => globalDone(p) >= 0.3 * N);
      await expectKilledMidRun(run);
      const last = run.progress[run.progress.length - 1]!;
      rowsPerMs = Math.max(1, (last.done - first.done) / Math.max(1, last.at - first.at));
      const kf = await readKeyFile(keyFile);
      expect(kf.current).toBe(oldKey);
      expect(kf.rotatingTo).toBe(target); // a rerun resumes with the same key
      expect(kf.keys.map((k) => k.id)).toEqual([oldKey, target]);
      const rep = await verifyAll(home, expected);
      const moved = onTarget(rep, target);
      expect(moved).toBeGreaterThanOrEqual(globalDone(at));
      expect(moved).toBeLessThan(N);
      expect(rep.byKey.get(oldKey)).toBe(N - moved);
      trail.push(`kill at ≥ 30 %: ${moved}/${N} on the new key`);
    }

    // 4. Killed at a random moment of a resumed run.
    {
      const run = cli(home, 'key', 'rotate');
      const first = await run.waitFor(() => true);
      const remainingMs = first.total / rowsPerMs;
      const delay = Math.floor(Math.random() * 0.4 * remainingMs);
      // Should the machine speed up, the kill still lands before the end: at the latest once
      // 80 % of this run's rows are reported moved.
      await Promise.race([sleep(delay), run.waitFor((p) => p.done >= 0.8 * p.total).catch(() => undefined)]);
      await expectKilledMidRun(run);
      const kf = await readKeyFile(keyFile);
      expect(kf.rotatingTo).toBe(target);
      const rep = await verifyAll(home, expected);
      expect(onTarget(rep, target)).toBeGreaterThanOrEqual(N - first.total);
      expect(onTarget(rep, target)).toBeLessThan(N);
      trail.push(
        `random kill ${delay} ms into moving (≈${Math.round(remainingMs)} ms left): ${onTarget(rep, target)}/${N} on the new key`,
      );
    }

    // 5. Killed late (≥ 70 %).
    {
      const run = cli(home, 'key', 'rotate');
      await run.waitFor((p) => globalDone(p) >= 0.7 * N);
      await expectKilledMidRun(run);
      const kf = await readKeyFile(keyFile);
      expect(kf.current).toBe(oldKey);
      expect(kf.rotatingTo).toBe(target);
      const rep = await verifyAll(home, expected);
      expect(onTarget(rep, target)).toBeGreaterThanOrEqual(0.7 * N);
      expect(onTarget(rep, target)).toBeLessThan(N);
      trail.push(`kill at ≥ 70 %: ${onTarget(rep, target)}/${N} on the new key`);
    }

    // 6. Rerun to the end.
    const beforeFinal = onTarget(await verifyAll(home, expected), target);
    {
      const run = cli(home, '--json', 'key', 'rotate');
      const r = await run.exited;
      expect(r, run.stderr()).toEqual({ code: 0, signal: null });
      const result = JSON.parse(run.stdout()) as Record<string, unknown>;
      expect(result).toEqual({
        keyId: target,
        reencrypted: N - beforeFinal,
        resumed: true,
        checked: N,
        unreadable: 0,
      });
      const kf = await readKeyFile(keyFile);
      expect(kf.current).toBe(target);
      expect(kf.rotatingTo).toBeUndefined();
      expect('rotatingTo' in kf).toBe(false);
      expect(kf.keys.map((k) => k.id)).toEqual([oldKey, target]);
      const rep = await verifyAll(home, expected);
      expect([...rep.byKey]).toEqual([[target, N]]);
      // Every row carries the new key id in its sealed prefix.
      const db = await rawDb(v);
      try {
        for (const col of SECRET_COLUMNS) {
          const stale = await db(col.table)
            .whereNotNull(col.column)
            .whereNot(col.column, 'like', `${Keyring.sealedPrefixFor(target)}%`)
            .count({ n: '*' })
            .first();
          expect(Number(stale?.n), `${col.table}.${col.column}`).toBe(0);
        }
      } finally {
        await db.destroy();
      }
      const audit = cli(home, '--json', 'audit', 'verify');
      expect(await audit.exited).toEqual({ code: 0, signal: null });
      expect(JSON.parse(audit.stdout())).toMatchObject({ ok: true });
    }

    console.log(trail.join('\n'));

    // 7. A second, uninterrupted rotation moves everything to yet another key.
    {
      const run = cli(home, '--json', 'key', 'rotate');
      const r = await run.exited;
      expect(r, run.stderr()).toEqual({ code: 0, signal: null });
      const result = JSON.parse(run.stdout()) as { keyId: string; reencrypted: number; resumed: boolean };
      expect(result).toMatchObject({ reencrypted: N, resumed: false, checked: N, unreadable: 0 });
      expect([oldKey, target]).not.toContain(result.keyId);
      const kf = await readKeyFile(keyFile);
      expect(kf.current).toBe(result.keyId);
      expect(kf.rotatingTo).toBeUndefined();
      expect(kf.keys.map((k) => k.id)).toEqual([oldKey, target, result.keyId]);
      const rep = await verifyAll(home, expected);
      expect([...rep.byKey]).toEqual([[result.keyId, N]]);
      const check = cli(home, '--json', 'key', 'check');
      expect(await check.exited).toEqual({ code: 0, signal: null });
      expect(JSON.parse(check.stdout())).toEqual({ checked: N, failed: [] });
    }
  }, 180_000);
});
