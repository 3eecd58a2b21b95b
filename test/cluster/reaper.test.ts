// A node that dies without leaving (no graceful end, no presence removal, as kill -9 leaves it) is
// declared lost by another node's reaper only once its heartbeat row is older than the bound AND
// its Redis presence key has expired; its sessions are marked lost and audited, the other nodes'
// sessions are untouched. Time for the heartbeat rows is a manual clock.
import { describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '../../core/index.ts';
import {
  NodePresence,
  presenceKey,
  Reaper,
  type ClusterAudit,
  type PresenceTiming,
} from '../../cluster/index.ts';
import { liveInfo } from '../support/live.ts';
import {
  awaitableEndpoint,
  CLUSTER_SKIP_REASON,
  clusterServices,
  clusterServicesAvailable,
  startTestNode,
  startTestNodes,
  type TestNode,
} from '../support/cluster.ts';

if (!clusterServicesAvailable()) {
  describe('cluster reaper', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();
  // The presence key's time to live is real Redis time; kept short so the test waits little.
  const timing: PresenceTiming = { heartbeatMs: 100, lostAfterMs: 300 };

  function presenceOf(node: TestNode, clock: ManualClock) {
    return new NodePresence({
      pool: node.pool,
      redis: node.redis,
      node: node.name,
      address: `127.0.0.1:${node.name === 'node-a' ? 7001 : 7002}`,
      clock,
      timers: { now: () => clock.now(), after: () => () => undefined },
      logger: silentLogger,
      timing,
    });
  }

  function recordingAudit() {
    const rows: { type: string; target: string; details: Record<string, unknown> | undefined }[] = [];
    const audit: ClusterAudit = async (_who, type, target, _result, details) =>
      void rows.push({ type, target: `${target.kind}:${target.name}`, details });
    return { rows, audit };
  }

  /** Waits until Redis has expired the key (its own clock; nothing is asserted on the wait). */
  async function expired(node: TestNode, key: string): Promise<void> {
    while (await node.redis.exists(key)) await new Promise((r) => setTimeout(r, 50));
  }

  describe('cluster reaper', () => {
    it('marks the sessions of a node whose heartbeat and presence both lapsed as lost, audited, and nothing else', async () => {
      const clock = new ManualClock('2026-01-01T00:00:00.000Z');
      const {
        nodes: [a, b],
        close,
      } = await startTestNodes(services(), ['node-a', 'node-b'], { clock });
      if (!a || !b) throw new Error('nodes did not start');
      try {
        const { rows: audited, audit } = recordingAudit();
        const reaper = new Reaper({
          pool: b.pool,
          redis: b.redis,
          node: 'node-b',
          clock,
          timing,
          audit,
          logger: silentLogger,
        });
        const presenceA = presenceOf(a, clock);
        const presenceB = presenceOf(b, clock);
        await presenceA.beat();
        await presenceB.beat();
        await a.registry.register(
          liveInfo({ id: 'sa', user: 'alice', target: 'web01/root' }),
          awaitableEndpoint().endpoint,
        );
        await b.registry.register(
          liveInfo({ id: 'sb', startedAt: '2026-01-01T00:00:01.000Z' }),
          awaitableEndpoint().endpoint,
        );

        // Node A is killed: it never beats again. Within the bound, nobody is reaped.
        clock.advance(timing.lostAfterMs);
        await presenceB.beat();
        expect(await reaper.sweep()).toEqual([]);
        // Past the bound in the database, but its presence key still lives (as when a node
        // reaches Redis but not PostgreSQL for a moment): not reaped, it is not dead.
        clock.advance(1);
        await a.redis.set(presenceKey('node-a'), '127.0.0.1:7001', 'PX', timing.lostAfterMs);
        expect(await reaper.sweep()).toEqual([]);
        await expired(b, presenceKey('node-a'));
        expect(await reaper.sweep()).toEqual([
          { id: 'sa', node: 'node-a', user: 'alice', target: 'web01/root' },
        ]);
        expect((await b.registry.list()).map((i) => i.id)).toEqual(['sb']);
        expect(audited.map((r) => [r.type, r.target])).toEqual([
          ['cluster.node-lost', 'node:node-a'],
          ['cluster.session-lost', 'session:sa'],
        ]);
        // A second sweep (or another node's reaper) finds nothing left to report.
        expect(await reaper.sweep()).toEqual([]);
        expect(audited).toHaveLength(2);
        // The lost state is final: the killed node's late writes change nothing.
        const { rows } = await a.pool.query(`SELECT state FROM cluster_sessions WHERE id = 'sa'`);
        expect(rows).toEqual([{ state: 'lost' }]);
      } finally {
        await close();
      }
    });

    it('reaps nobody over a Redis restart, which empties every presence key', async () => {
      const clock = new ManualClock('2026-01-01T00:00:00.000Z');
      const {
        nodes: [a, b],
        close,
      } = await startTestNodes(services(), ['node-a', 'node-b'], { clock });
      if (!a || !b) throw new Error('nodes did not start');
      try {
        const { rows: audited, audit } = recordingAudit();
        const reaper = new Reaper({
          pool: b.pool,
          redis: b.redis,
          node: 'node-b',
          clock,
          timing,
          audit,
          logger: silentLogger,
        });
        await presenceOf(a, clock).beat();
        await a.registry.register(liveInfo({ id: 'sa' }), awaitableEndpoint().endpoint);
        await services().redis.restart();
        expect(await b.redis.exists(presenceKey('node-a'))).toBe(0);
        expect(await reaper.sweep()).toEqual([]);
        expect((await b.registry.list()).map((i) => i.id)).toEqual(['sa']);
        expect(audited).toEqual([]);
      } finally {
        await close();
      }
    });

    it('reaps nobody after a PostgreSQL outage longer than the bound: presence stays fresh meanwhile', async () => {
      const clock = new ManualClock('2026-01-01T00:00:00.000Z');
      const {
        nodes: [a, b],
        close,
      } = await startTestNodes(services(), ['node-a', 'node-b'], { clock });
      if (!a || !b) throw new Error('nodes did not start');
      // The server going away closes idle connections: their errors are the outage, not a defect.
      for (const n of [a, b]) n.pool.on('error', () => undefined);
      try {
        const { rows: audited, audit } = recordingAudit();
        const reaper = new Reaper({
          pool: b.pool,
          redis: b.redis,
          node: 'node-b',
          clock,
          timing,
          audit,
          logger: silentLogger,
        });
        const presenceA = presenceOf(a, clock);
        const presenceB = presenceOf(b, clock);
        await presenceA.beat();
        await presenceB.beat();
        await a.registry.register(liveInfo({ id: 'sa' }), awaitableEndpoint().endpoint);
        await services().pg.halt();
        // Both nodes keep beating through the outage, three times the bound by Redis' own clock:
        // each beat fails on its row yet refreshes its key.
        for (let i = 0; i < (3 * timing.lostAfterMs) / timing.heartbeatMs; i++) {
          clock.advance(timing.heartbeatMs);
          await expect(presenceA.beat()).rejects.toThrow();
          await expect(presenceB.beat()).rejects.toThrow();
          await new Promise((r) => setTimeout(r, timing.heartbeatMs));
        }
        expect(await b.redis.exists(presenceKey('node-a'))).toBe(1);
        // A lives on and keeps its key fresh while it has not reached PostgreSQL again (its row
        // write still failing). Done here directly, so a slow resume on a loaded machine cannot
        // outlast the key's short test lifetime and turn a live node into a lapsed one.
        const keepAlive = setInterval(
          () => void a.redis.set(presenceKey('node-a'), '127.0.0.1:7001', 'PX', timing.lostAfterMs),
          timing.heartbeatMs,
        );
        try {
          await services().pg.resume();
          // B is back first: A's row is stale by far, but its key says it is alive.
          await presenceB.beat();
          expect(await reaper.sweep()).toEqual([]);
        } finally {
          clearInterval(keepAlive);
        }
        expect((await b.registry.list()).map((i) => i.id)).toEqual(['sa']);
        expect(audited).toEqual([]);
      } finally {
        await close();
      }
    });

    it('settles at start-up the sessions its own previous run left live', async () => {
      const clock = new ManualClock('2026-01-01T00:00:00.000Z');
      const url = await services().freshDatabase();
      const before = await startTestNode(services(), url, 'node-a', { clock });
      await before.registry.register(liveInfo({ id: 'old' }), awaitableEndpoint().endpoint);
      await before.close(); // killed: the session never ended
      const after = await startTestNode(services(), url, 'node-a', { clock });
      try {
        const { rows: audited, audit } = recordingAudit();
        const reaper = new Reaper({
          pool: after.pool,
          redis: after.redis,
          node: 'node-a',
          clock,
          timing,
          audit,
          logger: silentLogger,
        });
        expect((await reaper.settleOwnLeftovers()).map((l) => l.id)).toEqual(['old']);
        expect(await after.registry.list()).toEqual([]);
        expect(audited.map((r) => r.type)).toEqual(['cluster.session-lost']);
      } finally {
        await after.close();
      }
    });
  });
}
