// Two nodes sharing one private PostgreSQL and one private redis-server: sessions are listed from
// either, terminate reaches the owner, a command delivered twice acts once, a command sent while
// Redis is down arrives once it is back, and a Redis restart loses no session.
import { describe, expect, it } from 'vitest';
import { ValidationError, type ViewerChange } from '../../core/index.ts';
import { commandStreamKey } from '../../cluster/index.ts';
import { liveInfo } from '../support/live.ts';
import {
  awaitableEndpoint,
  CLUSTER_SKIP_REASON,
  clusterServices,
  clusterServicesAvailable,
  startTestNodes,
  type TestNode,
} from '../support/cluster.ts';

if (!clusterServicesAvailable()) {
  describe('cluster across nodes', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();

  async function twoNodes(): Promise<[TestNode, TestNode, () => Promise<void>]> {
    const { nodes, close } = await startTestNodes(services(), ['node-a', 'node-b']);
    return [nodes[0]!, nodes[1]!, close];
  }

  describe('cluster across nodes', () => {
    it('lists every node’s sessions with the node holding each, and terminates at the owner', async () => {
      const [a, b, close] = await twoNodes();
      try {
        const onA = awaitableEndpoint();
        const onB = awaitableEndpoint();
        await a.registry.register(
          liveInfo({ id: 'sa', user: 'alice', startedAt: '2026-01-01T00:00:01.000Z' }),
          onA.endpoint,
        );
        await b.registry.register(
          liveInfo({ id: 'sb', user: 'bob', startedAt: '2026-01-01T00:00:02.000Z' }),
          onB.endpoint,
        );
        for (const n of [a, b])
          expect((await n.registry.list()).map((i) => [i.id, i.node])).toEqual([
            ['sa', 'node-a'],
            ['sb', 'node-b'],
          ]);
        expect(await b.registry.terminate('sa', 'terminated by adm: window', 'adm')).toBe(true);
        expect(await onA.controlled()).toEqual([
          { type: 'terminate', reason: 'terminated by adm: window', by: 'adm' },
        ]);
        // The other node's session heard nothing: a probe to it is the first it gets.
        await a.registry.terminate('sb', 'probe', 'test');
        expect((await onB.controlled()).map((m) => m.reason)).toEqual(['probe']);
        // Output of a session on another node is not pushed through Redis; without the node-to-node
        // stream it is refused with the reason, not left blank.
        await expect(b.registry.subscribe('sa')).rejects.toBeInstanceOf(ValidationError);
      } finally {
        await close();
      }
    });

    it('carries a shadow joining and leaving on another node to the owner, for its recording’s markers', async () => {
      const [a, b, close] = await twoNodes();
      try {
        const onA = awaitableEndpoint();
        const changes: ViewerChange[] = [];
        await a.registry.register(liveInfo({ id: 'sa' }), {
          ...onA.endpoint,
          viewerChange: (c) => void changes.push(c),
        });
        await b.registry.viewerChange('sa', { event: 'join', by: 'carol' });
        await b.registry.viewerChange('sa', { event: 'leave', by: 'carol' });
        // Commands to one node arrive in order: once the probe is there, so are both changes.
        await b.registry.terminate('sa', 'probe', 'adm');
        await onA.controlled(1);
        expect(changes).toEqual([
          { event: 'join', by: 'carol' },
          { event: 'leave', by: 'carol' },
        ]);
        // A shadow on the owner itself is told at once, with no command row.
        const { rows: before } = await a.pool.query(`SELECT id FROM cluster_commands`);
        await a.registry.register(liveInfo({ id: 'sa2' }), {
          ...awaitableEndpoint().endpoint,
          viewerChange: (c) => void changes.push(c),
        });
        await a.registry.viewerChange('sa2', { event: 'join', by: 'dave' });
        expect(changes.at(-1)).toEqual({ event: 'join', by: 'dave' });
        expect((await a.pool.query(`SELECT id FROM cluster_commands`)).rows).toHaveLength(before.length);
      } finally {
        await close();
      }
    });

    it('writes a session end PostgreSQL missed once it is back, so the row does not stay live', async () => {
      const [a, b, close] = await twoNodes();
      for (const n of [a, b]) n.pool.on('error', () => undefined);
      try {
        const reg = await a.registry.register(liveInfo({ id: 'sa' }), awaitableEndpoint().endpoint);
        await services().pg.halt();
        try {
          await expect(reg.end('operator logged out')).rejects.toThrow();
          await expect(a.registry.flushCounters()).rejects.toThrow();
        } finally {
          await services().pg.resume();
        }
        expect((await b.registry.list()).map((i) => i.id)).toEqual(['sa']);
        await a.registry.flushCounters();
        expect(await b.registry.list()).toEqual([]);
        const { rows } = await b.pool.query<{ state: string; end_reason: string }>(
          `SELECT state, end_reason FROM cluster_sessions WHERE id = 'sa'`,
        );
        expect(rows).toEqual([{ state: 'ended', end_reason: 'operator logged out' }]);
      } finally {
        await close();
      }
    });

    it('acts once on a command delivered twice', async () => {
      const [a, b, close] = await twoNodes();
      try {
        const onA = awaitableEndpoint();
        await a.registry.register(liveInfo({ id: 'sa' }), onA.endpoint);
        await b.registry.terminate('sa', 'first', 'adm');
        await onA.controlled(1);
        // The same command id streamed again (as a retry or a redelivery would), then a probe:
        // the stream is ordered, so when the probe arrives the duplicate has been handled.
        const { rows } = await b.pool.query<{ id: string }>(`SELECT id FROM cluster_commands`);
        await b.redis.xadd(commandStreamKey('node-a'), '*', 'id', rows[0]!.id);
        await b.registry.terminate('sa', 'probe', 'adm');
        expect((await onA.controlled(2)).map((m) => m.reason)).toEqual(['first', 'probe']);
        await a.registry.sweepCommands();
        expect(onA.received).toHaveLength(2);
      } finally {
        await close();
      }
    });

    it('delivers a terminate sent while Redis is down once Redis is back, and loses no session over a restart', async () => {
      const [a, b, close] = await twoNodes();
      try {
        const onA = awaitableEndpoint();
        const onB = awaitableEndpoint();
        await a.registry.register(liveInfo({ id: 'sa' }), onA.endpoint);
        await b.registry.register(
          liveInfo({ id: 'sb', startedAt: '2026-01-01T00:00:01.000Z' }),
          onB.endpoint,
        );
        await services().redis.kill();
        // The command is recorded in PostgreSQL even though its stream entry cannot be written.
        expect(await b.registry.terminate('sa', 'while redis was down', 'adm')).toBe(true);
        expect((await a.registry.list()).map((i) => i.id)).toEqual(['sa', 'sb']);
        await services().redis.start();
        expect((await onA.controlled()).map((m) => m.reason)).toEqual(['while redis was down']);
        // A full restart (Redis comes back empty: streams and consumer groups gone): both
        // sessions are still listed and terminate works again in both directions.
        await services().redis.restart();
        expect((await b.registry.list()).map((i) => i.id)).toEqual(['sa', 'sb']);
        await b.registry.terminate('sa', 'after restart', 'adm');
        await a.registry.terminate('sb', 'after restart too', 'adm');
        expect((await onA.controlled(2)).map((m) => m.reason)).toEqual([
          'while redis was down',
          'after restart',
        ]);
        expect((await onB.controlled()).map((m) => m.reason)).toEqual(['after restart too']);
      } finally {
        await close();
      }
    });
  });
}
