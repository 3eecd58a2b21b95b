// `npm run bench:cluster`: three real `custody server` nodes on a private PostgreSQL and
// redis-server (loopback), the real OpenSSH client through them to a real sshd.
// - Sessions per node: with 1, then 2, then 3 nodes, every node's session count is ramped through
//   STEPS (8, 16, 32, 64 per node by default). At each step every open session types SAMPLES keys at
//   once (the worst case: all sessions busy) and each key's echo is timed (typed → echoed back from
//   the target's terminal through the node). The ramp stops at the first step whose echo p99
//   exceeds BOUND (default 250 ms); the node "carries" the last step within it. Reported per step:
//   echo p50/p99, their ratio to the single-node run at the same step, each node's resident memory
//   (its process tree's RSS, averaged over the nodes) and the memory per session as the growth
//   since the previous step divided by the sessions added (the slope: a node's heap settles by
//   itself, so RSS above idle divided by a few sessions says little).
// - Terminate across nodes: a session on node A terminated from node C, from the command's row to
//   the session's end row (as the cluster writes them), and from starting the command to the
//   client's exit (which includes starting the CLI process).
//   npm run bench:cluster -- [--steps 8,16,32,64] [--bound-ms 250] [--samples N] [--terminations N]
//   (smaller runs: --steps 2,4 --samples 5 --terminations 2)
import { readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openStore } from '../../core/storage/db.ts';
import { startClusterProcesses } from '../../test/support/cluster-processes.ts';
import { sshInteractive } from '../../test/support/openssh-client.ts';
import { startPostgres } from '../../test/support/postgres.ts';
import { startRedis } from '../../test/support/redis.ts';
import { createTestUser, startSshd } from '../../test/support/sshd.ts';
import { ADMIN_PASSWORD } from '../../test/support/vault.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '8,16,32,64' },
    'bound-ms': { type: 'string', default: '250' },
    samples: { type: 'string', default: '10' },
    terminations: { type: 'string', default: '5' },
  },
});
const STEPS = values.steps.split(',').map(Number);
if (STEPS.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error('--steps: positive whole numbers, e.g. 4,8,16');
const BOUND_MS = Number(values['bound-ms']);
const SAMPLES = Number(values.samples);
const TERMINATIONS = Number(values.terminations);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(1)} ms`;

const pgi = await startPostgres();
const redis = await startRedis();
if (!pgi || !redis) throw new Error('needs postgresql and redis-server installed');
const target = createTestUser('benchc', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
const sshd = await startSshd({ allowUsers: [target.name] });
const databaseUrl = await pgi.createDatabase('bench_cluster_nodes');
await (await openStore({ driver: 'postgres', postgresUrl: databaseUrl })).close();
const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
const cluster = await startClusterProcesses({
  databaseUrl,
  redisUrl: redis.url,
  names: ['node-a', 'node-b', 'node-c'],
  prepare: async (cli, home) => {
    await writeFile(path.join(home, 'target.pw'), target.password!);
    for (const args of [
      ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
      ['account', 'add', 'web01', target.name, '--password-file', path.join(home, 'target.pw')],
    ]) {
      const r = await cli(...args);
      if (r.code !== 0) throw new Error(r.stderr);
    }
  },
});
const user = `admin:${target.name}@web01`;

type Op = ReturnType<typeof sshInteractive>;
async function open(port: number): Promise<Op> {
  const op = sshInteractive(port, user, { password: ADMIN_PASSWORD });
  op.child.stdin!.write('echo READY-$((1+1))\n');
  await op.out.waitFor(/READY-2/, 30_000);
  return op;
}

/** One session types SAMPLES keys, each a unique token, and times each token's echo. */
async function typeAndTime(op: Op, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const token = `q${tag}x${i}z`;
    const t0 = performance.now();
    op.child.stdin!.write(token);
    await op.out.waitFor(new RegExp(token), 10_000);
    out.push(performance.now() - t0);
    op.child.stdin!.write('\x15'); // Ctrl-U: the line is cleared, nothing runs
  }
  return out;
}

/** Resident memory (kB) of a process and all its descendants, from /proc. */
function treeRssKb(root: number): number {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
    for (const [child, p] of parent) if (p === pid) todo.push(child);
  }
  return kb;
}

/** Opens sessions four at a time (sshd and the nodes take logins in small bursts). */
async function openMany(port: number, n: number): Promise<Op[]> {
  const out: Op[] = [];
  for (let i = 0; i < n; i += 4)
    out.push(...(await Promise.all(Array.from({ length: Math.min(4, n - i) }, () => open(port)))));
  return out;
}

try {
  type Row = { nodes: number; perNode: number; p50: number; p99: number; rssKb: number; slopeKb?: number };
  const rows: Row[] = [];
  const carried = new Map<number, number>();
  for (const k of [1, 2, 3]) {
    const nodes = cluster.nodes.slice(0, k);
    const held: Op[][] = nodes.map(() => []);
    try {
      for (const step of STEPS) {
        for (const [i, n] of nodes.entries())
          held[i]!.push(...(await openMany(n.sshPort, step - held[i]!.length)));
        const all = held.flat();
        const samples = (await Promise.all(all.map((op, i) => typeAndTime(op, `${k}n${step}s${i}`)))).flat();
        const rssKb = nodes.map((n) => treeRssKb(n.server.child.pid!)).reduce((x, y) => x + y, 0) / k;
        const prev = rows[rows.length - 1];
        const row: Row = {
          nodes: k,
          perNode: step,
          p50: percentile(samples, 50),
          p99: percentile(samples, 99),
          rssKb,
          ...(prev?.nodes === k ? { slopeKb: (rssKb - prev.rssKb) / (step - prev.perNode) } : {}),
        };
        rows.push(row);
        console.log(
          `  ${k} node(s), ${step} sessions each: echo p50 ${ms(row.p50)}, p99 ${ms(row.p99)}, node RSS ${(rssKb / 1024).toFixed(0)} MiB`,
        );
        if (row.p99 > BOUND_MS) break;
        carried.set(k, step);
      }
    } finally {
      for (const op of held.flat()) op.child.kill();
      await Promise.all(held.flat().map((op) => op.exited));
    }
  }
  const oneAt = (step: number) => rows.find((r) => r.nodes === 1 && r.perNode === step);
  console.log(
    `\nkeystroke echo with every session typing at once, ${SAMPLES} keys per session per step, ramp stops past p99 ${BOUND_MS} ms (this machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)})`,
  );
  console.log(
    'nodes  per node  sessions  p50        p99        p50 ratio  p99 ratio  node RSS  RSS/added session',
  );
  for (const r of rows) {
    const one = oneAt(r.perNode);
    const ratio = (x: number, y: number | undefined) => (y ? (x / y).toFixed(2) : '-');
    console.log(
      `${String(r.nodes).padEnd(7)}${String(r.perNode).padEnd(10)}${String(r.perNode * r.nodes).padEnd(10)}${ms(r.p50).padEnd(11)}${ms(r.p99).padEnd(11)}${ratio(r.p50, one?.p50).padEnd(11)}${ratio(r.p99, one?.p99).padEnd(11)}${`${(r.rssKb / 1024).toFixed(0)} MiB`.padEnd(10)}${r.slopeKb === undefined ? '-' : `${(r.slopeKb / 1024).toFixed(2)} MiB`}`,
    );
  }
  for (const k of [1, 2, 3])
    console.log(
      `${k} node(s): each carries ${carried.get(k) ?? `fewer than ${STEPS[0]}`} sessions with echo p99 within ${BOUND_MS} ms${carried.get(k) === STEPS[STEPS.length - 1] ? ' (the largest step: not the limit)' : ''}`,
    );

  const [a, , c] = cluster.nodes as [(typeof cluster.nodes)[0], unknown, (typeof cluster.nodes)[0]];
  const rowMs: number[] = [];
  const wallMs: number[] = [];
  for (let i = 0; i < TERMINATIONS; i++) {
    const op = await open(a.sshPort);
    const listed = JSON.parse((await c.cli('sessions', 'list', '--json')).stdout) as { id: string }[];
    const id = listed[0]!.id;
    const t0 = performance.now();
    const r = await c.cli('sessions', 'terminate', id, '--reason', 'bench');
    if (r.code !== 0) throw new Error(r.stderr);
    await op.exited;
    wallMs.push(performance.now() - t0);
    const { rows: ended } = await pool.query<{ ended_at: string; created_at: string }>(
      `SELECT s.ended_at, c.created_at FROM cluster_sessions s
       JOIN cluster_commands c ON c.session_id = s.id AND c.kind = 'terminate' WHERE s.id = $1`,
      [id],
    );
    rowMs.push(Date.parse(ended[0]!.ended_at) - Date.parse(ended[0]!.created_at));
  }
  console.log(`\nterminate on node-c → session on node-a ended (${TERMINATIONS} runs)`);
  console.log(
    `  command row → end row:      p50 ${ms(percentile(rowMs, 50))}, max ${ms(Math.max(...rowMs))}`,
  );
  console.log(
    `  command started → client exit: p50 ${ms(percentile(wallMs, 50))}, max ${ms(Math.max(...wallMs))} (includes starting the CLI)`,
  );
} finally {
  await cluster.stop();
  await pool.end();
  await sshd.stop();
  target.remove();
  await redis.stop();
  await pgi.stop();
}
