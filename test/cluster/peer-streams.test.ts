// Shadowing a session held by another node: the viewer's node streams it from the owner over
// mutual TLS (certificates from the cluster authority), and gets what a local viewer gets — the
// current screen first (with the session's terminal size), then live output, then the end. A node with another authority's
// certificate cannot open the stream.
import { describe, expect, it } from 'vitest';
import { silentLogger, type LiveEvent } from '../../core/index.ts';
import {
  createClusterCa,
  issueNodeCertificate,
  NodePresence,
  servePeerStreams,
  TlsPeerStreams,
  type NodeIdentity,
  type PemPair,
} from '../../cluster/index.ts';
import { liveInfo } from '../support/live.ts';
import {
  awaitableEndpoint,
  CLUSTER_SKIP_REASON,
  clusterServices,
  clusterServicesAvailable,
  startTestNode,
} from '../support/cluster.ts';

const identity = (ca: PemPair, node: string): NodeIdentity => ({
  node,
  caCertPem: ca.certPem,
  ...issueNodeCertificate(ca, node, new Date()),
});

const described = (events: LiveEvent[]) =>
  events.map((e) => (e.type === 'end' ? `end:${e.reason}` : `${e.type}:${e.data.toString()}`));

if (!clusterServicesAvailable()) {
  describe('cluster node-to-node streams', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();

  describe('cluster node-to-node streams', () => {
    it('shows a viewer on node B the screen of a session on node A, then its output and end', async () => {
      const ca = createClusterCa(new Date());
      const url = await services().freshDatabase();
      const a = await startTestNode(services(), url, 'node-a');
      const b = await startTestNode(services(), url, 'node-b', {
        peers: new TlsPeerStreams(identity(ca, 'node-b')),
      });
      const intruder = await startTestNode(services(), url, 'node-x', {
        // It trusts our authority (it copied the CA certificate) but its own certificate is another's.
        peers: new TlsPeerStreams({
          ...identity(createClusterCa(new Date(), 'other'), 'node-x'),
          caCertPem: ca.certPem,
        }),
      });
      const served = await servePeerStreams({
        identity: identity(ca, 'node-a'),
        host: '127.0.0.1',
        port: 0,
        sessions: a.registry,
        logger: silentLogger,
      });
      try {
        await new NodePresence({
          pool: a.pool,
          redis: a.redis,
          node: 'node-a',
          address: `127.0.0.1:${served.port}`,
          clock: { now: () => new Date() },
          timers: { now: () => new Date(), after: () => () => undefined },
          logger: silentLogger,
          timing: { heartbeatMs: 5_000, lostAfterMs: 15_000 },
        }).beat();
        let screen = 'prompt$ ';
        const reg = await a.registry.register(liveInfo({ id: 'sa' }), {
          ...awaitableEndpoint().endpoint,
          screen: () => Buffer.from(screen),
          size: () => ({ cols: 132, rows: 43 }),
        });
        screen += 'ls';
        reg.publish(Buffer.from('ls'));
        const sub = (await b.registry.subscribe('sa'))!;
        const it = sub[Symbol.asyncIterator]();
        // The picture comes with the session's terminal size (a live view sizes itself by it).
        const first = (await it.next()).value as LiveEvent;
        expect(described([first])).toEqual(['screen:prompt$ ls']);
        expect(first).toMatchObject({ size: { cols: 132, rows: 43 } });
        reg.publish(Buffer.from('\r\nfile1'));
        expect(described([(await it.next()).value as LiveEvent])).toEqual(['output:\r\nfile1']);
        await reg.end('session ended: exit');
        expect(described([(await it.next()).value as LiveEvent])).toEqual(['end:session ended: exit']);
        expect((await it.next()).done).toBe(true);
        // Ended: the owner no longer holds it, and the row says so.
        expect(await b.registry.subscribe('sa')).toBeUndefined();

        // A node with another authority's certificate is refused by the owner.
        await a.registry.register(liveInfo({ id: 'sb' }), awaitableEndpoint().endpoint);
        await expect(intruder.registry.subscribe('sb')).rejects.toThrow(
          /node 'node-a' refused the node-to-node stream/,
        );
        // A genuine node still gets it.
        const again = (await b.registry.subscribe('sb'))!;
        expect(described([(await again[Symbol.asyncIterator]().next()).value as LiveEvent])).toEqual([
          'screen:',
        ]);
        again.close();
      } finally {
        await served.close();
        await Promise.all([a.close(), b.close(), intruder.close()]);
      }
    });
  });
}
