// The cluster room's public entry: what `custody server` wires in when the configuration names
// PostgreSQL and Redis.
export { ClusterRegistry, type ClusterRegistryDeps, type ClusterSessionState } from './cluster-registry.ts';
export { CommandBus, commandStreamKey, type ClusterCommand } from './command-bus.ts';
export type { PeerNode, PeerStreams } from './peer-streams.ts';
export {
  DEFAULT_PRESENCE,
  NodePresence,
  presenceKey,
  Reaper,
  type ClusterAudit,
  type LostSession,
  type PresenceTiming,
} from './presence.ts';
export { JobLeases, LeaseGate, leaseJobGate, type HeldLease, type LeaseOptions } from './job-lease.ts';
export {
  CA_CERT_FILE,
  CA_KEY_FILE,
  createClusterCa,
  initClusterCa,
  issueNodeCertificate,
  loadNodeIdentity,
  nodeClientOptions,
  nodeServerOptions,
  peerNodeName,
  type NodeIdentity,
  type PemPair,
} from './node-certificates.ts';
export { ClusterNode, clusterModeOn, type ClusterNodeOptions } from './cluster-node.ts';
export { servePeerStreams, TlsPeerStreams, type LocalSessions } from './peer-proxy.ts';
export { otherNodeOfSession, RecordingHolderLookup } from './recording-holder.ts';
