// Time from `terminate` on one node to the control message at the session's endpoint on another,
// through the cluster registry on a private PostgreSQL and redis-server (the first piece of the
// cluster benchmark: node-to-node sessions and echo come with the node-to-node proxy).
//   node bin/run-ts.mjs bench/cluster/terminate.ts [--runs N]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openStore } from '../../core/storage/db.ts';
import { startTestNode } from '../../test/support/cluster-node.ts';
import { liveInfo } from '../../test/support/live.ts';
import { startPostgres } from '../../test/support/postgres.ts';
import { startRedis } from '../../test/support/redis.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' } } });
const runs = Number(values.runs);

const pg = await startPostgres();
const redis = await startRedis();
if (!pg || !redis) throw new Error('needs postgresql and redis-server');
const url = await pg.createDatabase('bench_cluster');
await (await openStore({ driver: 'postgres', postgresUrl: url })).close();
const services = { redis };
const a = await startTestNode(services, url, 'node-a');
const b = await startTestNode(services, url, 'node-b');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function measure(label: string, before?: () => Promise<void>, after?: () => Promise<void>, n = runs) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    let arrived!: () => void;
    const got = new Promise<void>((r) => (arrived = r));
    const id = `${label}-${i}`;
    const reg = await a.registry.register(liveInfo({ id }), {
      screen: () => Buffer.alloc(0),
      control: () => arrived(),
    });
    await before?.();
    const t0 = performance.now();
    await b.registry.terminate(id, 'bench', 'bench');
    await got;
    ms.push(performance.now() - t0);
    await after?.();
    await reg.end('bench');
  }
  console.log(
    `${label}: ${n} runs, terminate→endpoint p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`,
  );
}

try {
  await measure('redis up');
  // Redis away: the command row is found by the owner's sweep (every 500 ms in this harness).
  await redis.kill();
  await measure('redis down (row sweep)', undefined, undefined, Math.min(runs, 10));
  await redis.start();
} finally {
  await a.close();
  await b.close();
  await redis.stop();
  await pg.stop();
}
