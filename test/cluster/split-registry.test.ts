// The live-registry contract across two nodes: every session is registered on node A, and every
// question (list, get, terminate, subscribe) is asked on node B, so each answer crosses the
// cluster — rows in PostgreSQL, commands through Redis, output over the node-to-node stream.
import { describe, it } from 'vitest';
import { silentLogger, type LiveRegistry } from '../../core/index.ts';
import {
  createClusterCa,
  issueNodeCertificate,
  NodePresence,
  servePeerStreams,
  TlsPeerStreams,
  type PemPair,
} from '../../cluster/index.ts';
import { describeLiveRegistry } from '../live/registry-conformance.ts';
import {
  CLUSTER_SKIP_REASON,
  clusterServices,
  clusterServicesAvailable,
  startTestNode,
} from '../support/cluster.ts';

const identity = (ca: PemPair, node: string) => ({
  node,
  caCertPem: ca.certPem,
  ...issueNodeCertificate(ca, node, new Date()),
});

if (!clusterServicesAvailable()) {
  describe('cluster live registry across nodes', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();
  const ca = createClusterCa(new Date());
  const ids = { a: identity(ca, 'node-a'), b: identity(ca, 'node-b') };
  describeLiveRegistry('cluster, registered on node A and asked on node B', async () => {
    const url = await services().freshDatabase();
    const a = await startTestNode(services(), url, 'node-a');
    const b = await startTestNode(services(), url, 'node-b', { peers: new TlsPeerStreams(ids.b) });
    const served = await servePeerStreams({
      identity: ids.a,
      host: '127.0.0.1',
      port: 0,
      sessions: a.registry,
      logger: silentLogger,
    });
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
    const registry: LiveRegistry = {
      register: (info, endpoint) => a.registry.register(info, endpoint),
      list: (f) => b.registry.list(f),
      get: (id) => b.registry.get(id),
      terminate: (id, reason, by) => b.registry.terminate(id, reason, by),
      terminateByRequest: (r, reason, by) => b.registry.terminateByRequest(r, reason, by),
      subscribe: (id, o) => b.registry.subscribe(id, o),
    };
    return {
      registry,
      close: async () => {
        await served.close();
        await Promise.all([a.close(), b.close()]);
      },
    };
  });
}
