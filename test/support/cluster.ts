// Cluster nodes in one test process, each with its own connections to one private PostgreSQL
// and one private redis-server, as separate processes would have.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { ClusterRegistry } from '../../cluster/index.ts';
import { openStore } from '../../core/storage/db.ts';
import {
  silentLogger,
  systemTimers,
  uuidIds,
  type Clock,
  type LiveControl,
  type Timers,
} from '../../core/index.ts';
import { postgresAvailable, startPostgres, type PgInstance } from './postgres.ts';
import { redisAvailable, startRedis, type RedisInstance } from './redis.ts';

export const clusterServicesAvailable = (): boolean => postgresAvailable() && redisAvailable();
export const CLUSTER_SKIP_REASON = 'skipped: postgresql or redis-server not installed';

export interface ClusterServices {
  pg: PgInstance;
  redis: RedisInstance;
  /** A fresh, migrated database on the private server (an empty cluster). */
  freshDatabase(): Promise<string>;
}

let counter = 0;

/** Starts PostgreSQL and Redis for the file's tests; the getter throws if they did not start. */
export function clusterServices(): () => ClusterServices {
  let services: ClusterServices | null = null;
  beforeAll(async () => {
    const [pgi, redis] = await Promise.all([startPostgres(), startRedis()]);
    if (!pgi || !redis) throw new Error('cluster services did not start');
    services = {
      pg: pgi,
      redis,
      freshDatabase: async () => {
        const url = await pgi.createDatabase(`cluster_${process.pid}_${++counter}`);
        const store = await openStore({ driver: 'postgres', postgresUrl: url });
        await store.close();
        return url;
      },
    };
  }, 120_000);
  afterAll(async () => {
    await services?.redis.stop();
    await services?.pg.stop();
  });
  return () => {
    if (!services) throw new Error('cluster services did not start');
    return services;
  };
}

export interface TestNode {
  name: string;
  pool: pg.Pool;
  redis: Redis;
  registry: ClusterRegistry;
  close(): Promise<void>;
}

/** One node's connections and registry (started: it receives commands). */
export async function startTestNode(
  services: ClusterServices,
  databaseUrl: string,
  name: string,
  options: { clock?: Clock; timers?: Timers } = {},
): Promise<TestNode> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const redis = new Redis(services.redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const timers = options.timers ?? systemTimers;
  const registry = new ClusterRegistry({
    pool,
    redis,
    node: name,
    clock: options.clock ?? timers,
    timers,
    ids: uuidIds,
    logger: silentLogger,
    commandSweepMs: 500,
  });
  await registry.start();
  return {
    name,
    pool,
    redis,
    registry,
    close: async () => {
      await registry.close();
      redis.disconnect();
      await pool.end();
    },
  };
}

/** An endpoint whose control messages can be awaited (delivery across nodes is asynchronous). */
export function awaitableEndpoint(screen = '') {
  const received: LiveControl[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    received,
    endpoint: {
      screen: () => Buffer.from(screen),
      control: (m: LiveControl) => {
        received.push(m);
        waiters = waiters.filter((w) => (received.length >= w.count ? (w.resolve(), false) : true));
      },
    },
    /** Resolves once `count` messages have arrived. */
    controlled(count = 1): Promise<LiveControl[]> {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(received) }));
    },
  };
}
