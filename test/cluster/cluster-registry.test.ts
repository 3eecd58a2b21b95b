// The cluster's live registry (PostgreSQL rows + Redis command streams) against the same contract
// as the single-node one, on a private PostgreSQL and a private redis-server.
import { describe, it } from 'vitest';
import { describeLiveRegistry } from '../live/registry-conformance.ts';
import {
  CLUSTER_SKIP_REASON,
  clusterServices,
  clusterServicesAvailable,
  startTestNode,
} from '../support/cluster.ts';

if (!clusterServicesAvailable()) {
  describe('cluster live registry', () => it.skip(CLUSTER_SKIP_REASON, () => undefined));
} else {
  const services = clusterServices();
  describeLiveRegistry('cluster (PostgreSQL + Redis)', async () => {
    const node = await startTestNode(services(), await services().freshDatabase(), 'node-a');
    return { registry: node.registry, close: () => node.close() };
  });
}
