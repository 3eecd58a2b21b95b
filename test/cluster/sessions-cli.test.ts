// `custody sessions list` / `terminate` and `custody cluster init`, run as real commands against a
// home in cluster mode (a private PostgreSQL and redis-server): the command lists a session another
// node holds, with that node, and its terminate reaches that node's session.
import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { startCustodyServer } from '../support/custody-server.ts';
import { liveInfo } from '../support/live.ts';
import {
  awaitableEndpoint,
  CLUSTER_SKIP_REASON,
  clusterServices,
  clusterServicesAvailable,
  startTestNode,
  type TestNode,
} from '../support/cluster.ts';

if (!clusterServicesAvailable()) {
  describe('custody sessions in cluster mode', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();

  describe('custody sessions in cluster mode', () => {
    let home: string;
    let nodeA: TestNode;
    beforeAll(async () => {
      home = await mkdtemp(path.join(os.tmpdir(), 'custody-cluster-home-'));
      const url = await services().freshDatabase();
      await mkdir(path.join(home, 'conf'), { recursive: true });
      await writeFile(
        path.join(home, 'conf', 'custody.toml'),
        `[storage]\ndriver = "postgres"\npostgres_url = "${url}"\n\n[cluster]\nredis_url = "${services().redis.url}"\n`,
      );
      const init = await custody(['--home', home, 'init']);
      expect(init.code, init.stderr).toBe(0);
      nodeA = await startTestNode(services(), url, 'node-a');
    }, 120_000);
    afterAll(async () => {
      await nodeA?.close();
      await rm(home, { recursive: true, force: true });
    });

    it('lists the sessions of another node with the node holding each, and terminates one there', async () => {
      const onA = awaitableEndpoint();
      await nodeA.registry.register(
        liveInfo({ id: 'sa', user: 'alice', target: 'web01/root', startedAt: '2026-01-01T00:00:01.000Z' }),
        onA.endpoint,
      );
      const listed = await custody(['--home', home, 'sessions', 'list', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(
        (JSON.parse(listed.stdout) as { id: string; node: string }[]).map((s) => [s.id, s.node]),
      ).toEqual([['sa', 'node-a']]);
      const text = await custody(['--home', home, 'sessions', 'list']);
      expect(text.stdout).toMatch(/sa\s+alice\s+web01\/root\s+ssh\s+live\s+node-a/);

      const ended = await custody([
        '--home',
        home,
        'sessions',
        'terminate',
        'sa',
        '--reason',
        'change window',
      ]);
      expect(ended.code, ended.stderr).toBe(0);
      const [message] = await onA.controlled();
      expect(message).toMatchObject({ type: 'terminate', reason: expect.stringMatching(/: change window$/) });

      const unknown = await custody(['--home', home, 'sessions', 'terminate', 'nope', '--reason', 'x']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/E_NOT_FOUND|not found/i);
    });

    it('custody server joins the cluster under its --node-name, and leaves it on a graceful stop', async () => {
      const server = await startCustodyServer(home, ['--ssh-port', '0', '--node-name', 'node-x']);
      try {
        // Its first heartbeat is written before it listens.
        const { rows } = await nodeA.pool.query<{ name: string }>(
          `SELECT name FROM cluster_nodes ORDER BY name`,
        );
        expect(rows.map((r) => r.name)).toEqual(['node-x']);
        expect(await nodeA.redis.exists('custody:node:node-x')).toBe(1);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      const { rows } = await nodeA.pool.query(`SELECT name FROM cluster_nodes`);
      expect(rows).toEqual([]);
      expect(await nodeA.redis.exists('custody:node:node-x')).toBe(0);
    });

    it('cluster init makes the authority under keys/ once', async () => {
      const first = await custody(['--home', home, 'cluster', 'init']);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/cluster authority written: .*cluster-ca\.crt/);
      expect((await stat(path.join(home, 'keys', 'cluster-ca.key'))).mode & 0o777).toBe(0o600);
      const again = await custody(['--home', home, 'cluster', 'init']);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/already exists/);
    });
  });
}
