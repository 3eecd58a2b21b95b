// The private-PostgreSQL test harness itself: a real server starts, serves two databases, and is
// really gone after stop().
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POSTGRES_SKIP_REASON,
  postgresAvailable,
  startPostgres,
  type PgInstance,
} from '../support/postgres.ts';

const available = postgresAvailable();

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.skipIf(!available)(
  `private postgres harness${available ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let pgi: PgInstance | null = null;

    beforeAll(async () => {
      pgi = await startPostgres();
    });

    afterAll(async () => {
      await pgi?.stop();
    });

    it('serves custody_test on 127.0.0.1 as user custody', async () => {
      expect(pgi).not.toBeNull();
      const p = pgi!;
      expect(p.host).toBe('127.0.0.1');
      expect(p.url).toBe(`postgres://custody@127.0.0.1:${p.port}/custody_test`);
      const rows = await query<{ version: string; db: string; usr: string }>(
        p.url,
        'select version() as version, current_database() as db, current_user as usr',
      );
      expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
      expect(rows[0]?.db).toBe('custody_test');
      expect(rows[0]?.usr).toBe('custody');
    });

    it('creates a second, independent database', async () => {
      const p = pgi!;
      const url = await p.createDatabase('custody_second');
      expect(url).toBe(`postgres://custody@127.0.0.1:${p.port}/custody_second`);
      await query(url, 'create table t (x int); insert into t values (42)');
      expect(await query<{ x: number }>(url, 'select x from t')).toEqual([{ x: 42 }]);
      const other = await query<{ n: string }>(
        p.url,
        "select count(*) as n from pg_tables where tablename = 't'",
      );
      expect(other[0]?.n).toBe('0');
      await expect(p.createDatabase('bad"name')).rejects.toThrow(/invalid database name/);
    });

    it('stop() shuts the server down, removes its directory, and is safe to call twice', async () => {
      const p = pgi!;
      expect(await acceptsConnections(p.port)).toBe(true);
      await p.stop();
      await p.stop();
      expect(await acceptsConnections(p.port)).toBe(false);
      expect(existsSync(p.dir)).toBe(false);
    });
  },
);
