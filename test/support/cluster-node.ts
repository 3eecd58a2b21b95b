// One cluster node's connections and registry, as a separate process would have them (no vitest
// here, so benchmarks can use it too).
import { Redis } from 'ioredis';
import pg from 'pg';
import { ClusterRegistry, type PeerStreams } from '../../cluster/index.ts';
import {
  silentLogger,
  systemTimers,
  uuidIds,
  type Clock,
  type LiveControl,
  type Timers,
} from '../../core/index.ts';
import type { RedisInstance } from './redis.ts';

export interface TestNode {
  name: string;
  pool: pg.Pool;
  redis: Redis;
  registry: ClusterRegistry;
  close(): Promise<void>;
}

/** One node's connections and registry (started: it receives commands). */
export async function startTestNode(
  services: { redis: RedisInstance },
  databaseUrl: string,
  name: string,
  options: { clock?: Clock; timers?: Timers; peers?: PeerStreams } = {},
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
    ...(options.peers ? { peers: options.peers } : {}),
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
