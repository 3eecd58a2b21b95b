// /readyz on a node whose storage is a real PostgreSQL server: ready while the database answers,
// unready once the server is stopped (the database went away), ready again once it is back,
// with no restart of the node. /healthz says the process is up throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers, silentLogger } from '../../core/index.ts';
import { opsRoutes, type OpsResponse } from '../../gateway/index.ts';
import { POSTGRES_SKIP_REASON, startPostgres, type PgInstance } from '../support/postgres.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const pg = await startPostgres();

describe.skipIf(!pg)(`/readyz follows the database${pg ? '' : ` (${POSTGRES_SKIP_REASON})`}`, () => {
  let v: TestVault;
  const timers = new ManualTimers();
  let readyz: () => Promise<OpsResponse>;
  let healthz: () => Promise<OpsResponse>;

  beforeAll(async () => {
    v = await createTestVault({ postgresUrl: await pg!.createDatabase('readyz') });
    const routes = opsRoutes({
      core: v.core,
      allowFrom: [],
      acceptingSessions: () => true,
      timers,
      logger: silentLogger,
      storageTimeoutMs: 2_000,
    });
    const req = (path: string) => ({ method: 'GET', path, remoteAddress: '192.0.2.1' });
    readyz = () => routes['/readyz'](req('/readyz'));
    healthz = () => routes['/healthz'](req('/healthz'));
  }, 120_000);

  afterAll(async () => {
    await v?.close().catch(() => undefined);
    await (pg as PgInstance | null)?.stop();
  });

  /**
   * Asks until the answer is `status` (a pool notices a dead server on its next query, a revived
   * one on its next connection). A check that would wait on a stuck connection is ended by moving
   * the manual clock past the probe's time-out, never by sleeping through it.
   */
  async function until(status: number): Promise<OpsResponse> {
    let last: OpsResponse | undefined;
    for (let i = 0; i < 100; i++) {
      const pending = readyz();
      const answered = await Promise.race([
        pending.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1_000)),
      ]);
      if (!answered) timers.advance(2_000);
      last = await pending;
      if (last.status === status) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`/readyz never answered ${status}; last: ${JSON.stringify(last)}`);
  }

  it('is ready, unready while PostgreSQL is stopped, and ready again when it returns', async () => {
    expect(await until(200)).toMatchObject({ body: 'ready\n' });
    await pg!.halt();
    expect(await until(503)).toMatchObject({ body: 'not ready\n' });
    expect(await healthz()).toMatchObject({ status: 200, body: 'ok\n' });
    // The counters need no database: a scrape still answers, its store-backed gauges held.
    expect((await v.core.system.metrics.exposition()).body).toContain('custody_approvals_waiting 0');
    await pg!.resume();
    expect(await until(200)).toMatchObject({ body: 'ready\n' });
  }, 180_000);
});
