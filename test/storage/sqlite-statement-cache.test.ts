// The SQLite connection keeps its statements compiled (core/storage/sqlite-statement-cache.ts):
// the same SQL is compiled once and then runs in one trip to the driver, and nothing about the
// answers, the errors, the locks or closing the connection differs from the driver's own calls.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheStatements } from '../../core/storage/sqlite-statement-cache.ts';

type Db = sqlite3.Database;

const open = (file: string) =>
  new Promise<Db>((resolve, reject) => {
    const db = new sqlite3.Database(file, (e) => (e ? reject(e) : resolve(db)));
  });
const all = (db: Db, sql: string, bindings: unknown[] = []) =>
  new Promise<unknown[]>((resolve, reject) =>
    db.all(sql, bindings, (e, rows) => (e ? reject(e) : resolve(rows))),
  );
const run = (db: Db, sql: string, bindings: unknown[] = []) =>
  new Promise<{ lastID: number; changes: number }>((resolve, reject) =>
    db.run(sql, bindings, function (e) {
      if (e) reject(e);
      else resolve({ lastID: this.lastID, changes: this.changes });
    }),
  );
const close = (db: Db) =>
  new Promise<void>((resolve, reject) => db.close((e) => (e ? reject(e) : resolve())));

/** Counts the statements the cache compiles (it prepares through the connection). */
function countPrepares(db: Db): { n: number } {
  const count = { n: 0 };
  const prepare = db.prepare.bind(db);
  (db as unknown as { prepare: typeof prepare }).prepare = ((...a: Parameters<typeof prepare>) => {
    count.n++;
    return prepare(...a);
  }) as typeof prepare;
  return count;
}

describe('SQLite statement cache', () => {
  let dir: string;
  let file: string;
  let db: Db;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'custody-stmt-cache-'));
    file = path.join(dir, 'db.sqlite');
    db = await open(file);
    await all(db, 'PRAGMA journal_mode = WAL');
    await all(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compiles the same SQL once and binds each call its own values', async () => {
    cacheStatements(db);
    const prepares = countPrepares(db);
    const inserted = [];
    for (const name of ['a', 'b', 'c'])
      inserted.push(await run(db, 'insert into t (name) values (?)', [name]));
    expect(inserted.map((r) => [r.lastID, r.changes])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(await all(db, 'select name from t where id = ?', [2])).toEqual([{ name: 'b' }]);
    expect(await all(db, 'select name from t where id = ?', [3])).toEqual([{ name: 'c' }]);
    expect(await all(db, 'select name from t where id = ?', [9])).toEqual([]);
    expect(prepares.n).toBe(2);
    await close(db);
  });

  it('reports a compile error to the caller every time and keeps nothing of it', async () => {
    cacheStatements(db);
    const prepares = countPrepares(db);
    for (let i = 0; i < 2; i++) await expect(all(db, 'select nope from t')).rejects.toThrow(/no such column/);
    expect(prepares.n).toBe(2);
    await close(db);
  });

  it('drops a statement that failed, so the next call compiles it again and succeeds', async () => {
    cacheStatements(db);
    const prepares = countPrepares(db);
    await run(db, 'insert into t (name) values (?)', ['a']);
    await expect(run(db, 'insert into t (name) values (?)', ['a'])).rejects.toThrow(/UNIQUE/);
    expect((await run(db, 'insert into t (name) values (?)', ['b'])).lastID).toBe(2);
    expect(prepares.n).toBe(2);
    await close(db);
  });

  it('leaves a run that is not a one-step write (a PRAGMA answering a row) to the driver', async () => {
    cacheStatements(db);
    const prepares = countPrepares(db);
    await run(db, 'PRAGMA busy_timeout = 1000');
    await run(db, 'insert into t (name) values (?) returning id', ['a']);
    expect(prepares.n).toBe(0);
    expect(await all(db, 'PRAGMA busy_timeout')).toEqual([{ timeout: 1000 }]);
    await close(db);
  });

  it('holds no read snapshot after a cached select: another connection can truncate the log', async () => {
    cacheStatements(db);
    await run(db, 'insert into t (name) values (?)', ['a']);
    expect(await all(db, 'select * from t')).toHaveLength(1);
    expect(await all(db, 'select * from t')).toHaveLength(1);
    const other = await open(file);
    try {
      await run(other, 'insert into t (name) values (?)', ['b']);
      // busy = 1 when a reader still pins a snapshot of the log.
      expect(await all(other, 'PRAGMA wal_checkpoint(TRUNCATE)')).toEqual([
        { busy: 0, log: 0, checkpointed: 0 },
      ]);
    } finally {
      await close(other);
    }
    expect(await all(db, 'select * from t')).toHaveLength(2);
    await close(db);
  });

  it('stays within its bound, finalising the least recently used statement', async () => {
    cacheStatements(db, 2);
    const prepares = countPrepares(db);
    await all(db, 'select 1');
    await all(db, 'select 2');
    await all(db, 'select 1'); // 1 is now the most recent
    await all(db, 'select 3'); // evicts 2
    await all(db, 'select 1');
    expect(prepares.n).toBe(3);
    await all(db, 'select 2');
    expect(prepares.n).toBe(4);
    await close(db);
  });

  it('closes the connection with statements cached (SQLite refuses while any is open)', async () => {
    cacheStatements(db);
    await all(db, 'select * from t');
    await run(db, 'insert into t (name) values (?)', ['a']);
    await expect(close(db)).resolves.toBeUndefined();
  });

  it('without the cache, the same close would be refused (what the test above guards)', async () => {
    const stmt = db.prepare('select * from t');
    await new Promise<void>((resolve) => stmt.all([], () => resolve()));
    await expect(close(db)).rejects.toThrow(/unfinalized/);
    stmt.finalize();
    await close(db);
  });
});
