import type { LiveSubscribeOptions, LiveSubscription } from '../core/index.ts';

/** Where another node is reached: its name and the `host:port` it advertises to the cluster. */
export interface PeerNode {
  name: string;
  address: string;
}

/**
 * Live output of a session held by another node. Output never travels through Redis: a terminal
 * burst or a desktop's frames copied once per viewer would make one Redis the bottleneck of every
 * session. Instead the viewer's node opens one stream to the owner (over mutual TLS between
 * nodes) and the owner serves the late joiner's screen and what follows from its own registry,
 * exactly as for a local viewer, so slow viewers are resynchronised in one place.
 *
 * The node-to-node proxy that implements this comes with the cross-node shadowing; until then the
 * registry is built without one and a remote session cannot be shadowed (it can be listed and
 * terminated).
 */
export interface PeerStreams {
  /** undefined when the owner no longer holds the session. */
  subscribe(
    owner: PeerNode,
    sessionId: string,
    options: LiveSubscribeOptions,
  ): Promise<LiveSubscription | undefined>;
}
