// Three real `custody server` processes on one private PostgreSQL and one private redis-server:
// an operator's SSH session (the real OpenSSH client → node A → the real sshd) is listed from
// node C, watched from node B's web Live stream (the current screen first, then live output) and
// terminated from node C. The time from the terminate command's row to the session's end row is
// measured from the two rows and printed, not asserted against a clock. Then the same for a
// check-out: alice's session under her check-out runs on A, she checks the password in through
// B's REST API, and the command bus ends her session on A.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ssh, sshInteractive } from '../support/openssh-client.ts';
import { startClusterProcesses, type ClusterProcesses } from '../support/cluster-processes.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { ADMIN_PASSWORD, USER_PASSWORD } from '../support/vault.ts';
import { cookiesOf, webRequest } from '../support/web.ts';
import { httpsTransport } from '../support/api-client.ts';
import https from 'node:https';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import {
  createClusterCa,
  issueNodeCertificate,
  loadNodeIdentity,
  nodeClientOptions,
} from '../../cluster/index.ts';
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
    // The PostgreSQL test stops the server: its idle connections' errors are that, not a defect.
    pool.on('error', () => undefined);
    cluster = await startClusterProcesses({
      databaseUrl,
      redisUrl: services().redis.url,
      names: ['node-a', 'node-b', 'node-c'],
      web: true,
      prepare: async (cli, home) => {
        await writeFile(path.join(home, 'target.pw'), target.password!);
        await writeFile(path.join(home, 'alice.pw'), USER_PASSWORD);
        for (const args of [
          ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
          ['account', 'add', 'web01', target.name, '--password-file', path.join(home, 'target.pw')],
          // web02: the same target under access control, for the check-out test.
          ['resource', 'add', 'web02', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
          ['account', 'add', 'web02', target.name, '--password-file', path.join(home, 'target.pw')],
          ['user', 'add', 'alice', '--role', 'password-user', '--password-file', path.join(home, 'alice.pw')],
          ['share', 'web02', '--user', 'alice', '--privilege', 'view'],
          ['access', 'set', 'web02', '--approvers', 'admin'],
          ['apikey', 'add', 'alice-app', '--user', 'alice', '--key-file', path.join(home, 'alice.key')],
        ]) {
          const r = await cli(...args);
          if (r.code !== 0) throw new Error(r.stderr);
        }
      },
    });
  }, 240_000);

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
        `SELECT created_at, target_node FROM cluster_commands WHERE session_id = $1 AND kind = 'terminate'`,
        [id],
      );
      expect(commands.map((r) => r.target_node)).toEqual(['node-a']);
      // B's shadow was announced to A (for the marker in A's recording) through the command bus.
      const { rows: viewers } = await pool.query<{ args: string }>(
        `SELECT args FROM cluster_commands WHERE session_id = $1 AND kind = 'viewer' AND target_node = 'node-a'`,
        [id],
      );
      expect(viewers.map((r) => JSON.parse(r.args) as unknown)).toContainEqual({
        event: 'join',
        by: 'admin',
      });
      const ms = Date.parse(rows[0]!.ended_at) - Date.parse(commands[0]!.created_at);
      console.log(`terminate on node-c → session on node-a ended: ${ms} ms (command row to end row)`);
      expect(ms).toBeGreaterThanOrEqual(0);
      const after = await c.cli('sessions', 'list', '--json');
      expect(JSON.parse(after.stdout)).toEqual([]);
    } finally {
      operator.child.kill();
    }
  }, 90_000);

  it('a check-in on B (REST API) ends the check-out’s session running on A', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const ref = `web02/${target.name}`;
    const alicePw = path.join(cluster.firstHome, 'alice.pw');
    const asAlice = (...args: string[]) => a.cli('--as', 'alice', '--password-file', alicePw, ...args);
    const requested = await asAlice('request', ref, '--reason', 'INC-7');
    expect(requested.code, requested.stderr).toBe(0);
    const requestId = requested.stdout.trim();
    expect((await c.cli('approve', requestId)).code).toBe(0);
    expect((await asAlice('checkout', ref)).code).toBe(0);

    const operator = sshInteractive(a.sshPort, `alice:${target.name}@web02`, { password: USER_PASSWORD });
    try {
      operator.child.stdin!.write('echo HELD-$((30+3))\n');
      await operator.out.waitFor(/HELD-33/, 20_000);
      const listed = JSON.parse((await c.cli('sessions', 'list', '--json')).stdout) as {
        id: string;
        node: string;
        requestId: string | null;
      }[];
      expect(listed.map((s) => [s.node, s.requestId])).toEqual([['node-a', requestId]]);
      const id = listed[0]!.id;

      const certPem = await readFile(path.join(b.home, 'keys', 'web-tls-cert.pem'), 'utf8');
      const key = (await readFile(path.join(cluster.firstHome, 'alice.key'), 'utf8')).trim();
      const api = httpsTransport(`https://127.0.0.1:${b.webPort}`, certPem, new https.Agent({ ca: certPem }));
      const checkin = await api('POST', `/api/v1/accounts/web02/${target.name}/checkin`, { key });
      expect(checkin.status, checkin.text).toBe(200);

      expect(await operator.exited).not.toBe(0);
      expect(operator.out.text).toMatch(
        new RegExp(`\\[custody\\] session terminated: checked in: web02/${target.name} was checked in`),
      );
      const { rows } = await pool.query<{ state: string; ended_at: string }>(
        `SELECT state, ended_at FROM cluster_sessions WHERE id = $1`,
        [id],
      );
      expect(rows[0]!.state).toBe('ended');
      const { rows: commands } = await pool.query<{ created_at: string; target_node: string }>(
        `SELECT created_at, target_node FROM cluster_commands WHERE session_id = $1 AND kind = 'terminate'`,
        [id],
      );
      expect(commands.map((r) => r.target_node)).toEqual(['node-a']);
      const ms = Date.parse(rows[0]!.ended_at) - Date.parse(commands[0]!.created_at);
      console.log(`check-in on node-b → session on node-a ended: ${ms} ms (command row to end row)`);
      const audit = await c.cli('audit', 'list', '--type', 'access.session-ended', '--json');
      const events = JSON.parse(audit.stdout) as { details: string }[];
      expect(events.map((e) => JSON.parse(e.details) as unknown)).toEqual([
        expect.objectContaining({ request: requestId, sessions: [id] }),
      ]);

      // The same from the command line: an administrator on B forces the check-in.
      const again = (await asAlice('request', ref, '--reason', 'INC-8')).stdout.trim();
      expect((await b.cli('approve', again)).code).toBe(0);
      expect((await asAlice('checkout', ref)).code).toBe(0);
      const second = sshInteractive(a.sshPort, `alice:${target.name}@web02`, { password: USER_PASSWORD });
      try {
        second.child.stdin!.write('echo AGAIN-$((40+4))\n');
        await second.out.waitFor(/AGAIN-44/, 20_000);
        const forced = await b.cli('checkin', ref, '--force');
        expect(forced.code, forced.stderr).toBe(0);
        expect(await second.exited).not.toBe(0);
        expect(second.out.text).toMatch(
          /\[custody\] session terminated: checked in: .* was checked in by host:/,
        );
      } finally {
        second.child.kill();
      }
    } finally {
      operator.child.kill();
    }
  }, 90_000);

  it('without a shared recordings directory B answers a replay of A’s recording with where it is', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const operator = sshInteractive(a.sshPort, `admin:${target.name}@web01`, { password: ADMIN_PASSWORD });
    let sessionId: string;
    try {
      operator.child.stdin!.write('echo OWNDISK-$((70+7))\n');
      await operator.out.waitFor(/OWNDISK-77/, 20_000);
      const listed = JSON.parse((await b.cli('sessions', 'list', '--json')).stdout) as { id: string }[];
      sessionId = listed[0]!.id;
      operator.child.stdin!.write('exit\n');
      await operator.exited;
    } finally {
      operator.child.kill();
    }
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM recordings WHERE session_id = $1`, [
      sessionId,
    ]);
    const id = rows[0]!.id;
    // A replays its own recording; B says where it is, in one line with a stable code.
    expect((await a.cli('recordings', 'export', id, '--format', 'asciicast')).stdout).toContain('OWNDISK-77');
    const exported = await b.cli('recordings', 'export', id, '--format', 'asciicast');
    expect(exported.code).toBe(1);
    expect(exported.stdout).toBe('');
    expect(exported.stderr).toBe(
      `custody: E_ELSEWHERE: recording ${id} is held on node node-a's disk; configure a shared recordings directory\n`,
    );
    // Verify on B does not call it missing (tampered): it says where it is, with its own exit code.
    const verified = await b.cli('recordings', 'verify', id);
    expect(verified.code).toBe(5);
    expect(verified.stdout).toMatch(
      new RegExp(
        `^${id} +elsewhere +recording ${id} is held on node node-a's disk; configure a shared recordings directory\\n$`,
      ),
    );
    expect((await a.cli('recordings', 'verify', id)).code).toBe(0);
    // The same through B's web listener (the player's cast).
    const certPem = await readFile(path.join(b.home, 'keys', 'web-tls-cert.pem'), 'utf8');
    const signin = await webRequest(b.webPort!, certPem, '/signin', {
      method: 'POST',
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const served = await webRequest(b.webPort!, certPem, `/recordings/${id}/cast`, {
      cookie: cookiesOf(signin),
    });
    expect(served.status).toBe(409);
    expect(served.body).toContain(`held on node node-a's disk; configure a shared recordings directory`);
  }, 60_000);

  it('Redis stopped and started during sessions on A and B: none lost, terminate works again', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const user = `admin:${target.name}@web01`;
    const [opA, opB] = [a, b].map((n) => sshInteractive(n.sshPort, user, { password: ADMIN_PASSWORD })) as [
      ReturnType<typeof sshInteractive>,
      ReturnType<typeof sshInteractive>,
    ];
    try {
      for (const [i, op] of [opA, opB].entries()) {
        op.child.stdin!.write(`echo BEFORE-$((${i}+300))\n`);
        await op.out.waitFor(new RegExp(`BEFORE-${i + 300}`), 20_000);
      }
      await services().redis.kill();
      for (const [i, op] of [opA, opB].entries()) {
        op.child.stdin!.write(`echo WITHOUT-$((${i}+400))\n`);
        await op.out.waitFor(new RegExp(`WITHOUT-${i + 400}`));
      }
      // Listing needs only PostgreSQL.
      const during = JSON.parse((await c.cli('sessions', 'list', '--json')).stdout) as { node: string }[];
      expect(during.map((s) => s.node).sort()).toEqual(['node-a', 'node-b']);
      await services().redis.start();
      const listed = JSON.parse((await c.cli('sessions', 'list', '--json')).stdout) as {
        id: string;
        node: string;
      }[];
      const idOf = (node: string) => listed.find((s) => s.node === node)!.id;
      const ended = await c.cli('sessions', 'terminate', idOf('node-a'), '--reason', 'after redis');
      expect(ended.code, ended.stderr).toBe(0);
      expect(await opA.exited).not.toBe(0);
      opB.child.stdin!.write('echo AFTER-$((5*100))\n');
      await opB.out.waitFor(/AFTER-500/);
      expect((await a.cli('sessions', 'terminate', idOf('node-b'), '--reason', 'done')).code).toBe(0);
      expect(await opB.exited).not.toBe(0);
      const { rows } = await pool.query<{ state: string }>(
        `SELECT state FROM cluster_sessions WHERE id = ANY($1)`,
        [[idOf('node-a'), idOf('node-b')]],
      );
      expect(rows.map((r) => r.state)).toEqual(['ended', 'ended']);
    } finally {
      opA.child.kill();
      opB.child.kill();
    }
  }, 90_000);

  it('PostgreSQL stopped: a new login is refused (fail-closed), a running session goes on; all is back after', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const user = `admin:${target.name}@web01`;
    const opB = sshInteractive(b.sshPort, user, { password: ADMIN_PASSWORD });
    try {
      opB.child.stdin!.write('echo RUNNING-$((6+600))\n');
      await opB.out.waitFor(/RUNNING-606/, 20_000);
      await services().pg.halt();
      try {
        const refused = await ssh(a.sshPort, user, { password: ADMIN_PASSWORD }, ['echo in']);
        expect(refused.code).not.toBe(0);
        expect(refused.stdout).not.toContain('in');
        // The node says why, in one line, without the driver's text.
        const unreachable = /the database is unreachable/;
        let log = '';
        for (let i = 0; i < 100 && !unreachable.test(log); i++) {
          await new Promise((r) => setTimeout(r, 50));
          log = await readFile(path.join(a.home, 'logs', 'custody.log'), 'utf8').catch(() => '');
        }
        expect(log).toMatch(
          /the database is unreachable \(PostgreSQL at 127\.0\.0\.1:\d+\): try again shortly/,
        );
        opB.child.stdin!.write('echo STILL-$((7+700))\n');
        await opB.out.waitFor(/STILL-707/);
      } finally {
        await services().pg.resume();
      }
      // Back: new logins work (the pools reconnect on their own) and the running session is listed.
      const back = await ssh(a.sshPort, user, { password: ADMIN_PASSWORD }, ['echo back-$((1+1))']);
      expect(back.stdout, back.stderr).toContain('back-2');
      const listed = JSON.parse((await c.cli('sessions', 'list', '--json')).stdout) as {
        id: string;
        node: string;
      }[];
      expect(listed.map((s) => s.node)).toEqual(['node-b']);
      expect((await c.cli('sessions', 'terminate', listed[0]!.id, '--reason', 'done')).code).toBe(0);
      expect(await opB.exited).not.toBe(0);
    } finally {
      opB.child.kill();
    }
  }, 90_000);

  it('refuses at a real node’s node-to-node port a certificate from another authority; one from the cluster’s is served', async () => {
    const a = cluster.nodes[0]!;
    const { rows } = await pool.query<{ advertise_address: string }>(
      `SELECT advertise_address FROM cluster_nodes WHERE name = 'node-a'`,
    );
    const port = Number(rows[0]!.advertise_address.split(':').pop());
    const ask = (options: ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({ ...options, host: '127.0.0.1', port }, () =>
          socket.write(JSON.stringify({ session: 'no-such-session' }) + '\n'),
        );
        let got = '';
        socket.on('data', (d) => (got += d.toString()));
        socket.on('end', () => resolve(got || 'closed without answer'));
        socket.on('error', (e) => resolve(`error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      });
    const keys = path.join(cluster.firstHome, 'keys');
    const caCertPem = await readFile(path.join(keys, 'cluster-ca.crt'), 'utf8');
    // Another cluster's authority: a certificate naming a node of ours, trusting our authority.
    const other = createClusterCa(new Date(), 'another-cluster');
    const intruder = {
      node: 'node-b',
      caCertPem: other.certPem,
      ...issueNodeCertificate(other, 'node-b', new Date()),
    };
    expect(await ask({ ...nodeClientOptions(intruder, 'node-a'), ca: [caCertPem] })).toMatch(
      /^error: |^closed without answer$/,
    );
    const genuine = await loadNodeIdentity(keys, 'node-x', new Date());
    expect(await ask(nodeClientOptions(genuine, 'node-a'))).toBe('{"t":"none"}\n');
    let log = '';
    for (let i = 0; i < 100 && !log.includes('node-to-node connection refused'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = await readFile(path.join(a.home, 'logs', 'custody.log'), 'utf8').catch(() => '');
    }
    expect(log).toContain('node-to-node connection refused');
  }, 30_000);
});
