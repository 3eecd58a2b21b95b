// `kill -9` of a real cluster node during recorded sessions. Three `custody server` processes on a
// private PostgreSQL and redis-server; an operator's SSH session runs through each node. Node A
// holds the rotation job's lease and a one-off rotation is due just after A dies. Then:
// - B's and C's sessions keep running; A's session is marked lost within the documented bound
//   (presence time to live + one reaper period), audited;
// - the rotation completes on B or C exactly once: one reset audit row, one rotation run, and the
//   target's sshd saw the logins of exactly one reset (counted against a reset made beforehand);
// - when A starts again it seals its own recording (cut short) and leaves B's and C's, still being
//   written, alone; the exported recording plays with the real `asciinema cat` up to its last flush.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterProcesses, type ClusterProcesses } from '../support/cluster-processes.ts';
import { CLUSTER_SKIP_REASON, clusterServices, clusterServicesAvailable } from '../support/cluster.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { ADMIN_PASSWORD } from '../support/vault.ts';

const skip = !clusterServicesAvailable() ? CLUSTER_SKIP_REASON : sshdSkipReason();
/** Presence time to live (15 s) plus one reaper period (the 5 s heartbeat), as documented. */
const LOST_BOUND_MS = 20_000;

/** Waits for a condition by polling (no assertion on the time it takes). */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []))
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}

describe.skipIf(!!skip)(`a cluster node killed with kill -9${skip ? ` (${skip})` : ''}`, () => {
  const services = clusterServices();
  let sshd: SshdInstance;
  let target: TestUser;
  let rotated: TestUser;
  let cluster: ClusterProcesses;
  let pool: pg.Pool;
  let scratch: string;

  beforeAll(async () => {
    target = createTestUser('c3kill', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
    rotated = createTestUser('c3rot', { password: 'Rt5#Hq8$Vm2!Lp6&Zk3w' });
    sshd = await startSshd({ allowUsers: [target.name, rotated.name] });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'custody-killed-'));
    const databaseUrl = await services().freshDatabase();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cluster = await startClusterProcesses({
      databaseUrl,
      redisUrl: services().redis.url,
      names: ['node-a', 'node-b', 'node-c'],
      // Rotation passes every 5 s (the least allowed), so the takeover is seen within a test.
      extraConfig: { rotation: { check_every_seconds: 5 } },
      prepare: async (cli, home) => {
        await writeFile(path.join(home, 'target.pw'), target.password!);
        await writeFile(path.join(home, 'rot.pw'), rotated.password!);
        const port = String(sshd.port);
        for (const args of [
          ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', port],
          ['account', 'add', 'web01', target.name, '--password-file', path.join(home, 'target.pw')],
          ['resource', 'add', 'rot01', '--type', 'linux', '--host', '127.0.0.1', '--port', port],
          ['account', 'add', 'rot01', rotated.name, '--password-file', path.join(home, 'rot.pw')],
          ['rgroup', 'add', 'rot'],
          ['rgroup', 'add-resource', 'rot', 'rot01'],
        ]) {
          const r = await cli(...args);
          if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
        }
      },
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await pool?.end();
    await sshd?.stop();
    target?.remove();
    rotated?.remove();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('B and C keep their sessions, A’s is lost within the bound, its rotation runs once elsewhere, its recording plays', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    // One reset's logins on the target, to count the rotation's resets by.
    const logins = () => sshd.log().split(`Accepted password for ${rotated.name} `).length - 1;
    const reset = await b.cli('reset', `rot01/${rotated.name}`);
    expect(reset.code, reset.stderr).toBe(0);
    const perReset = logins();
    expect(perReset).toBeGreaterThan(0);

    const user = `admin:${target.name}@web01`;
    const ops = cluster.nodes.map((n) => sshInteractive(n.sshPort, user, { password: ADMIN_PASSWORD }));
    const [opA, opB, opC] = ops as [(typeof ops)[0], (typeof ops)[0], (typeof ops)[0]];
    try {
      for (const [i, op] of ops.entries()) {
        op.child.stdin!.write(`echo UP-$((${i}+100))\n`);
        await op.out.waitFor(new RegExp(`UP-${i + 100}`), 20_000);
      }
      const live = await until('three live sessions', async () => {
        const { rows } = await pool.query<{ id: string; node: string }>(
          `SELECT id, node FROM cluster_sessions WHERE state = 'live' ORDER BY node`,
        );
        return rows.length === 3 && rows;
      });
      const idOf = (node: string) => live.find((r) => r.node === node)!.id;

      // A's recording reaches its disk: output seen by the operator, then a flush grows the file.
      const recordingFile = await until(
        'A’s recording file',
        async () => (await filesUnder(path.join(a.home, 'recordings')))[0],
      );
      const sizeBefore = (await stat(recordingFile)).size;
      opA.child.stdin!.write('echo FLUSHED-$((6*7))\n');
      await opA.out.waitFor(/FLUSHED-42/);
      await until('a flush after FLUSHED-42', async () => (await stat(recordingFile)).size > sizeBefore);

      // A holds the rotation job; a one-off rotation falls due just after A dies.
      await until('A holding the rotation lease', async () => {
        const { rows } = await pool.query<{ holder: string }>(
          `SELECT holder FROM cluster_leases WHERE job = 'rotation'`,
        );
        return rows[0]?.holder === 'node-a';
      });
      const { rows: leaseBefore } = await pool.query<{ token: string }>(
        `SELECT token FROM cluster_leases WHERE job = 'rotation'`,
      );
      // Far enough ahead for the command to start (a few seconds on a busy machine), and well
      // before A's lease expires after the kill (up to 30 s).
      const dueAt = new Date(Date.now() + 20_000).toISOString();
      const add = await c.cli('rotation', 'add', 'after-a', '--group', 'rot', '--once', dueAt);
      expect(add.code, add.stderr).toBe(0);

      const killedAt = Date.now();
      await a.kill9();

      const lost = await until('A’s session marked lost', async () => {
        const { rows } = await pool.query<{ state: string; ended_at: string }>(
          `SELECT state, ended_at FROM cluster_sessions WHERE id = $1`,
          [idOf('node-a')],
        );
        return rows[0]?.state === 'lost' && rows[0];
      });
      const lostMs = Date.parse(lost.ended_at) - killedAt;
      console.log(
        `kill -9 of node-a → its session marked lost after ${lostMs} ms (bound ${LOST_BOUND_MS} ms)`,
      );
      expect(lostMs).toBeLessThanOrEqual(LOST_BOUND_MS + 1_000);
      const audit = JSON.parse((await b.cli('audit', 'list', '--type', 'cluster.', '--json')).stdout) as {
        type: string;
        target: string;
      }[];
      expect(audit.map((e) => e.type).sort()).toEqual(['cluster.node-lost', 'cluster.session-lost']);

      // B's and C's sessions never noticed.
      for (const [i, op] of [opB, opC].entries()) {
        op.child.stdin!.write(`echo STILL-$((${i}+200))\n`);
        await op.out.waitFor(new RegExp(`STILL-${i + 200}`));
      }
      const listed = JSON.parse((await c.cli('sessions', 'list', '--json')).stdout) as { node: string }[];
      expect(listed.map((s) => s.node).sort()).toEqual(['node-b', 'node-c']);

      // The rotation: once A's lease expired, B or C took the job and ran it, once.
      const run = await until(
        'the rotation run',
        async () => {
          const r = JSON.parse((await b.cli('audit', 'list', '--type', 'rotation.run', '--json')).stdout) as {
            source: string;
          }[];
          return r.length > 0 && r;
        },
        75_000,
      );
      const { rows: leaseAfter } = await pool.query<{ holder: string; token: string }>(
        `SELECT holder, token FROM cluster_leases WHERE job = 'rotation'`,
      );
      console.log(
        `rotation due ${dueAt}, run after the kill by ${leaseAfter[0]!.holder} (${Date.now() - killedAt} ms after the kill)`,
      );
      expect(['node-b', 'node-c']).toContain(leaseAfter[0]!.holder);
      expect(Number(leaseAfter[0]!.token)).toBeGreaterThan(Number(leaseBefore[0]!.token));
      // Let both survivors make another rotation pass (5 s each) before counting, so a second
      // run would have shown: one run, one reset, one reset's logins on the target.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(run).toHaveLength(1);
      const resets = JSON.parse(
        (await b.cli('audit', 'list', '--type', 'password.reset', '--json')).stdout,
      ) as { type: string; actor: string }[];
      // The baseline reset (host administrator) and the rotation's one (the scheduler).
      expect(resets.filter((e) => e.type === 'password.reset')).toHaveLength(2);
      expect(logins()).toBe(2 * perReset);
      const runsNow = JSON.parse(
        (await b.cli('audit', 'list', '--type', 'rotation.run', '--json')).stdout,
      ) as unknown[];
      expect(runsNow).toHaveLength(1);

      // A comes back: it seals its own recording and leaves B's and C's (still being written).
      await a.restart();
      const { rows: recs } = await pool.query<{ id: string; session_id: string; status: string }>(
        `SELECT id, session_id, status FROM recordings ORDER BY started_at`,
      );
      const statusOf = (node: string) => recs.find((r) => r.session_id === idOf(node))!;
      expect(statusOf('node-a').status).toBe('interrupted');
      expect(statusOf('node-b').status).toBe('recording');
      expect(statusOf('node-c').status).toBe('recording');

      const cast = path.join(scratch, 'a.cast');
      const exported = await a.cli('recordings', 'export', statusOf('node-a').id, '--output', cast);
      expect(exported.code, exported.stderr).toBe(0);
      // The real player (it insists on a terminal: `script` gives it one): what A flushed plays.
      const out = path.join(scratch, 'played.txt');
      execFileSync('script', ['-qec', `asciinema cat '${cast}' > '${out}'`, '/dev/null'], { stdio: 'pipe' });
      const played = await readFile(out, 'utf8');
      expect(played).toContain('UP-100');
      expect(played).toContain('FLUSHED-42');
    } finally {
      for (const op of ops) op.child.kill();
    }
  }, 150_000);
});
