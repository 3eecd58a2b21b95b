// Three real `custody server` processes on one private PostgreSQL and one private redis-server:
// an operator's SSH session (the real OpenSSH client → node A → the real sshd) is listed from
// node C, watched from node B's web Live stream (the current screen first, then live output) and
// terminated from node C. The time from the terminate command's row to the session's end row is
// measured from the two rows and printed, not asserted against a clock.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sshInteractive } from '../support/openssh-client.ts';
import { startClusterProcesses, type ClusterProcesses } from '../support/cluster-processes.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { ADMIN_PASSWORD } from '../support/vault.ts';
import { cookiesOf, webRequest } from '../support/web.ts';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLUSTER_SKIP_REASON, clusterServices, clusterServicesAvailable } from '../support/cluster.ts';

const skip = !clusterServicesAvailable() ? CLUSTER_SKIP_REASON : sshdSkipReason();

describe.skipIf(!!skip)(`three cluster nodes end to end${skip ? ` (${skip})` : ''}`, () => {
  const services = clusterServices();
  let sshd: SshdInstance;
  let target: TestUser;
  let cluster: ClusterProcesses;
  let pool: pg.Pool;

  beforeAll(async () => {
    target = createTestUser('c3node', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
    sshd = await startSshd({ allowUsers: [target.name] });
    const databaseUrl = await services().freshDatabase();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cluster = await startClusterProcesses({
      databaseUrl,
      redisUrl: services().redis.url,
      names: ['node-a', 'node-b', 'node-c'],
      web: true,
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
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await pool?.end();
    await sshd?.stop();
    target?.remove();
  });

  it('lists A’s SSH session from C, shadows it from B (screen, then live output) and terminates it from C', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const operator = sshInteractive(a.sshPort, `admin:${target.name}@web01`, { password: ADMIN_PASSWORD });
    try {
      operator.child.stdin!.write('echo SCREEN-$((40+2))\n');
      await operator.out.waitFor(/SCREEN-42/, 20_000);

      const listed = await c.cli('sessions', 'list', '--json');
      expect(listed.code, listed.stderr).toBe(0);
      const sessions = JSON.parse(listed.stdout) as { id: string; node: string; user: string }[];
      expect(sessions.map((s) => [s.node, s.user])).toEqual([['node-a', 'admin']]);
      const id = sessions[0]!.id;

      // B's web Live stream: B is not the owner, so the frames come from A over mutual TLS.
      const certPem = await readFile(path.join(b.home, 'keys', 'web-tls-cert.pem'), 'utf8');
      const signin = await webRequest(b.webPort!, certPem, '/signin', {
        method: 'POST',
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      expect(signin.status).toBe(200);
      const ws = new WebSocket(`wss://127.0.0.1:${b.webPort}/live/${id}/stream`, ['v2.asciicast'], {
        ca: certPem,
        headers: { cookie: cookiesOf(signin), origin: `https://127.0.0.1:${b.webPort}` },
      });
      const frames: unknown[] = [];
      let text = '';
      const waiters: { re: RegExp; resolve: () => void }[] = [];
      ws.on('message', (m) => {
        const frame = JSON.parse(String(m)) as unknown;
        frames.push(frame);
        if (Array.isArray(frame)) text += String(frame[2]);
        for (const w of waiters.splice(0)) (w.re.test(text) ? w.resolve : () => waiters.push(w))();
      });
      const seen = (re: RegExp) =>
        new Promise<void>((resolve) => (re.test(text) ? resolve() : waiters.push({ re, resolve })));
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      await seen(/SCREEN-42/);
      // The first output frame is the current screen (the late joiner's picture), then live output.
      expect((frames[1] as unknown[])[2]).toMatch(/SCREEN-42/);
      operator.child.stdin!.write('echo LIVE-$((50+5))\n');
      await seen(/LIVE-55/);

      const ended = await c.cli('sessions', 'terminate', id, '--reason', 'change window');
      expect(ended.code, ended.stderr).toBe(0);
      expect(await operator.exited).not.toBe(0);
      await closed;
      const { rows } = await pool.query<{ state: string; end_reason: string; ended_at: string }>(
        `SELECT state, end_reason, ended_at FROM cluster_sessions WHERE id = $1`,
        [id],
      );
      expect(rows[0]).toMatchObject({ state: 'ended', end_reason: expect.stringMatching(/change window/) });
      const { rows: commands } = await pool.query<{ created_at: string; target_node: string }>(
        `SELECT created_at, target_node FROM cluster_commands WHERE session_id = $1`,
        [id],
      );
      expect(commands.map((r) => r.target_node)).toEqual(['node-a']);
      const ms = Date.parse(rows[0]!.ended_at) - Date.parse(commands[0]!.created_at);
      console.log(`terminate on node-c → session on node-a ended: ${ms} ms (command row to end row)`);
      expect(ms).toBeGreaterThanOrEqual(0);
      const after = await c.cli('sessions', 'list', '--json');
      expect(JSON.parse(after.stdout)).toEqual([]);
    } finally {
      operator.child.kill();
    }
  }, 90_000);
});
