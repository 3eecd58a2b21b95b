// `kill -9` of the node running a rotation, in the middle of the run. Two `custody server` nodes on
// a private PostgreSQL and redis-server; six accounts on the real sshd, reached through a proxy in
// this test that can hold a new connection (the target is slow to answer: no hook in the product).
// Node A holds the rotation job; its run resets three accounts, then its fourth reset has written
// its pending row and waits for the target when A is killed. Then:
// - B takes the rotation job (a larger fencing token) and finishes A's run: one run, audited once;
// - every account's password changed on the target exactly once (its /etc/shadow hash, watched
//   throughout, took exactly one new value), the fourth one included, settled against the target;
// - the vault holds, for every account, the password the target has (`custody verify` logs in).
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterProcesses, type ClusterProcesses } from '../support/cluster-processes.ts';
import { CLUSTER_SKIP_REASON, clusterServices, clusterServicesAvailable } from '../support/cluster.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';

const skip = !clusterServicesAvailable() ? CLUSTER_SKIP_REASON : sshdSkipReason();
const ACCOUNTS = 6;
const KILL_AT = 4;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A TCP proxy to sshd that passes the first `passFirst` connections and holds the next one until
 * `open()` (every later connection then passes). `held` resolves when a connection is being held.
 */
function gatedProxy(targetPort: number, passFirst: number) {
  let seen = 0;
  let opened = false;
  let reached!: () => void;
  const held = new Promise<void>((r) => (reached = r));
  const waiting: net.Socket[] = [];
  const pipe = (client: net.Socket) => {
    const up = net.connect(targetPort, '127.0.0.1');
    client.pipe(up).pipe(client);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  };
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (opened || ++seen <= passFirst) return pipe(client);
    waiting.push(client);
    reached();
  });
  return {
    server,
    held,
    listen: () =>
      new Promise<number>((r) =>
        server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
      ),
    /** Drops the held connections (their node is gone) and passes every later one. */
    open: () => {
      opened = true;
      for (const c of waiting.splice(0)) c.destroy();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Each user's successive /etc/shadow hashes, sampled every 50 ms (a reset takes far longer). */
function watchShadow(names: string[]) {
  const seen = new Map<string, string[]>(names.map((n) => [n, []]));
  const sample = () => {
    for (const line of readFileSync('/etc/shadow', 'utf8').split('\n')) {
      const [name, hash] = line.split(':');
      const list = name ? seen.get(name) : undefined;
      if (list && hash && list[list.length - 1] !== hash) list.push(hash);
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    /** How many times each user's password changed since the watch began. */
    changes: () => {
      sample();
      return names.map((n) => seen.get(n)!.length - 1);
    },
    stop: () => clearInterval(timer),
  };
}

describe.skipIf(!!skip)(`a rotation run on a node killed mid-run${skip ? ` (${skip})` : ''}`, () => {
  const services = clusterServices();
  let sshd: SshdInstance;
  let users: TestUser[] = [];
  let proxy: ReturnType<typeof gatedProxy>;
  let cluster: ClusterProcesses;
  let pool: pg.Pool;

  beforeAll(async () => {
    for (let i = 1; i <= ACCOUNTS; i++)
      users.push(createTestUser(`c3rt${i}`, { password: `Rt${i}#Hq8$Vm2!Lp6&Zk3w` }));
    sshd = await startSshd({ allowUsers: users.map((u) => u.name) });
    proxy = gatedProxy(sshd.port, KILL_AT - 1);
    const proxyPort = await proxy.listen();
    const databaseUrl = await services().freshDatabase();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cluster = await startClusterProcesses({
      databaseUrl,
      redisUrl: services().redis.url,
      names: ['node-a', 'node-b'],
      // One account at a time, passes every 5 s (the least allowed), so the takeover is seen soon.
      extraConfig: { rotation: { check_every_seconds: 5, concurrency: 1 } },
      prepare: async (cli, home) => {
        const steps = [
          ['resource', 'add', 'rot01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(proxyPort)],
          ['rgroup', 'add', 'rot'],
          ['rgroup', 'add-resource', 'rot', 'rot01'],
        ];
        for (const u of users) {
          const file = path.join(home, `${u.name}.pw`);
          await writeFile(file, u.password!);
          steps.push(['account', 'add', 'rot01', u.name, '--password-file', file]);
        }
        for (const args of steps) {
          const r = await cli(...args);
          if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
        }
      },
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await pool?.end();
    await proxy?.close();
    await sshd?.stop();
    for (const u of users) u.remove();
    users = [];
  });

  it('B finishes the run A was killed in: every account changed once on the target, the vault holds what it has', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const shadow = watchShadow(users.map((u) => u.name));
    try {
      await until('A holding the rotation lease', async () => {
        const { rows } = await pool.query<{ holder: string }>(
          `SELECT holder FROM cluster_leases WHERE job = 'rotation'`,
        );
        return rows[0]?.holder === 'node-a';
      });
      const { rows: leaseBefore } = await pool.query<{ token: string }>(
        `SELECT token FROM cluster_leases WHERE job = 'rotation'`,
      );
      const add = await b.cli(
        'rotation',
        'add',
        'mid-run',
        '--group',
        'rot',
        '--once',
        new Date(Date.now() + 8_000).toISOString(),
      );
      expect(add.code, add.stderr).toBe(0);

      // A reset three accounts; its fourth reset's pending row is written and its login is held.
      await proxy.held;
      const pending = await until('A’s fourth pending reset', async () => {
        const { rows } = await pool.query<{ run_id: string | null; state: string }>(
          `SELECT run_id, state FROM pending_resets`,
        );
        return rows.length === 1 && rows[0];
      });
      expect(pending.run_id).not.toBeNull();
      expect(shadow.changes()).toEqual([1, 1, 1, 0, 0, 0]);
      const killedAt = Date.now();
      await a.kill9();
      proxy.open();
      const { rows: open } = await pool.query<{ finished_at: string | null; lease_token: string }>(
        `SELECT finished_at, lease_token FROM rotation_runs`,
      );
      expect(open).toEqual([{ finished_at: null, lease_token: leaseBefore[0]!.token }]);

      const run = await until('the run finished', async () => {
        const r = JSON.parse((await b.cli('audit', 'list', '--type', 'rotation.run', '--json')).stdout) as {
          details: string;
        }[];
        return r.length > 0 && r;
      });
      const { rows: leaseAfter } = await pool.query<{ holder: string; token: string }>(
        `SELECT holder, token FROM cluster_leases WHERE job = 'rotation'`,
      );
      console.log(
        `kill -9 of node-a mid-run → node-b finished the run ${Date.now() - killedAt} ms after the kill`,
      );
      expect(leaseAfter[0]!.holder).toBe('node-b');
      expect(Number(leaseAfter[0]!.token)).toBeGreaterThan(Number(leaseBefore[0]!.token));
      expect(JSON.parse(run[0]!.details)).toMatchObject({
        changed: ACCOUNTS,
        failed: 0,
        skipped: 0,
        resumed: true,
      });

      // Another pass of B's (5 s) before counting, so a second run or reset would have shown.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(shadow.changes()).toEqual([1, 1, 1, 1, 1, 1]);
      const audit = async (type: string) =>
        JSON.parse((await b.cli('audit', 'list', '--type', type, '--json')).stdout) as {
          type: string;
          target: string;
        }[];
      expect((await audit('rotation.run')).filter((e) => e.type === 'rotation.run')).toHaveLength(1);
      expect((await audit('rotation.resume')).filter((e) => e.type === 'rotation.resume')).toHaveLength(1);
      const abandoned = (await audit('password.reset-abandoned')).filter(
        (e) => e.type === 'password.reset-abandoned',
      );
      expect(abandoned).toHaveLength(1);
      expect((await pool.query(`SELECT 1 FROM pending_resets`)).rowCount).toBe(0);

      // The vault's password logs in on the target for every account.
      const verified = await b.cli('--json', 'verify', '--all', '--resource', 'rot01');
      expect(verified.code, verified.stderr).toBe(0);
      const { results } = JSON.parse(verified.stdout) as { results: { status: string }[] };
      expect(results.map((r) => r.status)).toEqual(Array(ACCOUNTS).fill('in-sync'));
    } finally {
      shadow.stop();
    }
  }, 180_000);
});
