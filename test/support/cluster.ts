// Cluster nodes in one test process, each with its own connections to one private PostgreSQL
// and one private redis-server, as separate processes would have.
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../core/storage/db.ts';
import { postgresAvailable, startPostgres, type PgInstance } from './postgres.ts';
import { redisAvailable, startRedis, type RedisInstance } from './redis.ts';
import { startTestNode, type TestNode } from './cluster-node.ts';

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

/**
 * Nodes (in this process, each with its own connections) on a fresh database of the file's
 * services; `close` closes them all.
 */
export async function startTestNodes(
  services: ClusterServices,
  names: string[],
  options: Parameters<typeof startTestNode>[3] = {},
): Promise<{ url: string; nodes: TestNode[]; close(): Promise<void> }> {
  const url = await services.freshDatabase();
  const nodes: TestNode[] = [];
  for (const name of names) nodes.push(await startTestNode(services, url, name, options));
  return { url, nodes, close: async () => void (await Promise.all(nodes.map((n) => n.close()))) };
}

export { awaitableEndpoint, startTestNode, type TestNode } from './cluster-node.ts';
