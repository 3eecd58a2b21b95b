// `npm run bench:cluster`: three real `custody server` nodes on a private PostgreSQL and
// redis-server (loopback), the real OpenSSH client through them to a real sshd.
// - Keystroke echo latency (a key typed → its echo from the target's terminal back at the client)
//   with SESSIONS sessions on 1, then 2, then 3 nodes at once, each session typing in turn; p50 and
//   p99 per run and their ratio to the single-node run of the same invocation.
// - Terminate across nodes: a session on node A terminated from node C, from the command's row to
//   the session's end row (as the cluster writes them), and from starting the command to the
//   client's exit (which includes starting the CLI process).
//   npm run bench:cluster -- [--sessions N] [--samples N] [--terminations N]
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
    sessions: { type: 'string', default: '4' },
    samples: { type: 'string', default: '40' },
    terminations: { type: 'string', default: '5' },
  },
});
const SESSIONS = Number(values.sessions);
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

try {
  const rows: { nodes: number; sessions: number; p50: number; p99: number }[] = [];
  for (const k of [1, 2, 3]) {
    const nodes = cluster.nodes.slice(0, k);
    const ops: Op[] = [];
    for (const n of nodes) for (let s = 0; s < SESSIONS; s++) ops.push(await open(n.sshPort));
    const samples = (await Promise.all(ops.map((op, i) => typeAndTime(op, `${k}n${i}`)))).flat();
    rows.push({ nodes: k, sessions: ops.length, p50: percentile(samples, 50), p99: percentile(samples, 99) });
    for (const op of ops) op.child.kill();
    await Promise.all(ops.map((op) => op.exited));
  }
  const one = rows[0]!;
  console.log(
    `\nkeystroke echo, ${SESSIONS} sessions per node, ${SAMPLES} keys per session (this machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)})`,
  );
  console.log('nodes  sessions  sessions/node  p50        p99        p50 ratio  p99 ratio');
  for (const r of rows)
    console.log(
      `${String(r.nodes).padEnd(7)}${String(r.sessions).padEnd(10)}${String(r.sessions / r.nodes).padEnd(15)}${ms(r.p50).padEnd(11)}${ms(r.p99).padEnd(11)}${(r.p50 / one.p50).toFixed(2).padEnd(11)}${(r.p99 / one.p99).toFixed(2)}`,
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
