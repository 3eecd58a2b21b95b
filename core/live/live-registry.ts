/**
 * The live-session registry as messages (the contract every implementation keeps: the in-process
 * one here, a Redis + PostgreSQL one for the cluster later). Nothing in it is a closure that has
 * to cross a node: session info is plain data, control is a message (`terminate`), live output is
 * a subscription. The node that runs a session keeps a local `LiveEndpoint` for it; other nodes
 * reach that endpoint only through messages the implementation carries.
 */

/** What a live session carries; the kinds are the gateway's data paths. */
export type LiveSessionKind = 'terminal' | 'file-transfer' | 'forward' | 'desktop';

/** `opening` from accept until the target answered; `live` afterwards. */
export type LiveSessionState = 'opening' | 'live';

export interface LiveSessionInfo {
  id: string;
  user: string;
  target: string;
  /** `ssh`, `telnet`, `rdp`, … */
  protocol: string;
  kind: LiveSessionKind;
  state: LiveSessionState;
  /** The check-out this session runs under (null when the account needs none). */
  requestId: string | null;
  /** When that check-out ends (ISO), or null. */
  expiresAt: string | null;
  /** Landing servers actually used, in order. */
  route: string[];
  source: string;
  startedAt: string;
  bytesIn: number;
  bytesOut: number;
  node: string;
  /** For a forward: `host:port` on the target side. */
  forward?: string;
}

/**
 * A control message to the node that runs the session. `reason` is the one line the session's
 * user is shown as it ends (already phrased, e.g. `terminated by admin: change window`); `by`
 * names who asked, for the node's log.
 */
export type LiveControl = { type: 'terminate'; reason: string; by: string };

/**
 * What a viewer receives, in order: one `screen` first (the late joiner's picture), then `output`
 * chunks, then one `end`. A viewer that falls more than its buffer behind has everything it has
 * not read yet dropped and gets a fresh `screen` with `resync: true` in its place (so its first
 * event may be that one); it never blocks the session or other viewers. Any screen shows every
 * chunk published before the `output` that follows it: screen + what follows = the live stream.
 */
/** A terminal's size in character cells. */
export interface LiveScreenSize {
  cols: number;
  rows: number;
}

export type LiveEvent =
  /** `size`: the session's terminal when the picture was taken, where the registry knows it. */
  | { type: 'screen'; data: Buffer; resync: boolean; size?: LiveScreenSize }
  | { type: 'output'; data: Buffer }
  | { type: 'end'; reason: string };

export interface LiveSubscription extends AsyncIterable<LiveEvent> {
  /** Stops the subscription; the iterator finishes. Idempotent. */
  close(): void;
}

/** Someone started or stopped shadowing a session (the session's recording marks the moment). */
export interface ViewerChange {
  event: 'join' | 'leave';
  /** Who shadows. */
  by: string;
}

/** The running session's side, local to the node that runs it. */
export interface LiveEndpoint {
  /** The current screen as terminal bytes (empty for kinds without a screen). */
  screen(): Buffer;
  /** That screen's size, for sessions with a terminal (a viewer sizes its own terminal by it). */
  size?(): LiveScreenSize | undefined;
  /** A control message arrived (from any node). */
  control(message: LiveControl): void;
  /** A shadow joined or left (from any node); sessions that mark nothing leave it out. */
  viewerChange?(change: ViewerChange): void;
}

/** Returned by `register`: how the running session keeps its entry true. */
export interface LiveRegistration {
  /** The target answered: the entry becomes `live` (with the route actually used). */
  confirm(update: { route?: string[] }): Promise<void>;
  /** Byte counters (cheap; implementations may batch). */
  counters(bytesIn: number, bytesOut: number): void;
  /** Live output for viewers (terminal bytes). */
  publish(chunk: Buffer): void;
  /** The session is over: viewers get `end`, the entry goes. Idempotent. */
  end(reason: string): Promise<void>;
}

export interface LiveSubscribeOptions {
  /** Bytes a viewer may fall behind before it is resynchronised (default 1 MiB). */
  maxBufferedBytes?: number;
}

export interface LiveListFilter {
  user?: string;
  target?: string;
  requestId?: string;
}

export interface LiveRegistry {
  register(info: LiveSessionInfo, endpoint: LiveEndpoint): Promise<LiveRegistration>;
  list(filter?: LiveListFilter): Promise<LiveSessionInfo[]>;
  get(id: string): Promise<LiveSessionInfo | undefined>;
  /** Sends `terminate` to the session's node; false when no such session. */
  terminate(id: string, reason: string, by: string): Promise<boolean>;
  /** Ends every session of one check-out; returns the ids it reached. */
  terminateByRequest(requestId: string, reason: string, by: string): Promise<string[]>;
  /**
   * Tells the session's node that a shadow joined or left, for its recording's markers. Optional
   * in the contract: a registry without it leaves those markers out, and nothing else changes.
   */
  viewerChange?(id: string, change: ViewerChange): Promise<void>;
  /** undefined when no such session. */
  subscribe(id: string, options?: LiveSubscribeOptions): Promise<LiveSubscription | undefined>;
}
