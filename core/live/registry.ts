/**
 * The live-session registry (ARCHITECTURE.md: core holds the interface, in-process now, Redis for
 * a cluster later). The gateway registers each running session's handle; the TUI and the CLI list,
 * shadow and terminate through core, without caring which node holds the session.
 */
export interface LiveSessionInfo {
  id: string;
  user: string;
  target: string;
  protocol: string;
  /** Landing servers actually used, in order. */
  route: string[];
  source: string;
  startedAt: string;
  bytesIn: number;
  bytesOut: number;
  node: string;
}

export interface LiveSessionHandle {
  info(): LiveSessionInfo;
  /** The current screen as terminal bytes (what a late joiner sees first). */
  snapshot(): string;
  /** Live output after the snapshot; returns the unsubscribe function. */
  subscribe(onData: (chunk: Buffer) => void, onEnd: (reason: string) => void): () => void;
  /** Ends the session; the user sees the one-line reason. */
  terminate(reason: string): void;
}

export interface LiveRegistry {
  register(handle: LiveSessionHandle): void;
  unregister(id: string): void;
  list(): LiveSessionInfo[];
  get(id: string): LiveSessionHandle | undefined;
}

export class InProcessLiveRegistry implements LiveRegistry {
  readonly #sessions = new Map<string, LiveSessionHandle>();

  register(handle: LiveSessionHandle): void {
    this.#sessions.set(handle.info().id, handle);
  }
  unregister(id: string): void {
    this.#sessions.delete(id);
  }
  list(): LiveSessionInfo[] {
    return [...this.#sessions.values()]
      .map((h) => h.info())
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
  get(id: string): LiveSessionHandle | undefined {
    return this.#sessions.get(id);
  }
}
