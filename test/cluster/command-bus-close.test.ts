// A node shutting down while Redis is away must still shut down: closing the command bus while its
// reader waits to reconnect returns, though ioredis never settles the blocking read it was in.
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { silentLogger, systemTimers, uuidIds } from '../../core/index.ts';
import { CommandBus } from '../../cluster/index.ts';
import { CLUSTER_SKIP_REASON, clusterServices, clusterServicesAvailable } from '../support/cluster.ts';

/** Resolves on the next `name` event, whatever errors come before it. */
const nextEvent = (emitter: Redis, name: string): Promise<void> =>
  new Promise((resolve) => emitter.once(name, () => resolve()));

if (!clusterServicesAvailable()) {
  describe('cluster command bus close', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();

  describe('cluster command bus close', () => {
    it('returns while its reader waits to reconnect to a Redis that went away', async () => {
      const pool = new pg.Pool({ connectionString: await services().freshDatabase(), max: 2 });
      // A long reconnect wait keeps the reader in "reconnecting" for the whole test.
      const redis = new Redis(services().redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 60_000 });
      redis.on('error', () => undefined);
      let reader: Redis | undefined;
      const duplicate = redis.duplicate.bind(redis);
      redis.duplicate = (...args) => (reader = duplicate(...args));
      const bus = new CommandBus({
        pool,
        redis,
        node: 'node-a',
        clock: systemTimers,
        timers: systemTimers,
        ids: uuidIds,
        logger: silentLogger,
        sweepMs: 60_000,
        onCommand: () => undefined,
      });
      try {
        await bus.start();
        if (!reader) throw new Error('the bus made no reader');
        if (reader.status !== 'ready') await nextEvent(reader, 'ready');
        // Not events.once: it rejects on the 'error' (ECONNRESET) a killed Redis may emit first.
        const reconnecting = nextEvent(reader, 'reconnecting');
        await services().redis.kill();
        await reconnecting;
        expect(reader.status).toBe('reconnecting');
        // Without the close signal this never returns and the test times out.
        await bus.close();
        expect(reader.status).not.toBe('ready');
      } finally {
        await bus.close();
        redis.disconnect();
        await pool.end();
        await services().redis.start();
      }
    }, 20_000);
  });
}
