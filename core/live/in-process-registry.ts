import type {
  LiveControl,
  LiveEndpoint,
  LiveEvent,
  LiveListFilter,
  LiveRegistration,
  LiveRegistry,
  LiveScreenSize,
  LiveSessionInfo,
  LiveSubscribeOptions,
  LiveSubscription,
  ViewerChange,
} from './live-registry.ts';

const DEFAULT_MAX_BUFFERED = 1024 * 1024;

/** One viewer's queue: bounded; when it overflows it is replaced by a fresh screen. */
class Viewer implements LiveSubscription {
  readonly #queue: LiveEvent[] = [];
  #buffered = 0;
  #wake: (() => void) | undefined;
  #done = false;

  constructor(
    private readonly maxBuffered: number,
    private readonly screen: () => Buffer,
    private readonly onClose: () => void,
    private readonly size: () => LiveScreenSize | undefined = () => undefined,
  ) {
    this.#push(this.#picture(false));
  }

  /** The screen as it is now, with its size when the session knows one. */
  #picture(resync: boolean): LiveEvent {
    const size = this.size();
    return { type: 'screen', data: this.screen(), resync, ...(size ? { size } : {}) };
  }

  #push(e: LiveEvent): void {
    this.#queue.push(e);
    if (e.type !== 'end') this.#buffered += e.data.length;
    this.#wake?.();
  }

  output(chunk: Buffer): void {
    if (this.#done) return;
    if (this.#buffered + chunk.length > this.maxBuffered) {
      // Too far behind: drop what it has not read and give it the picture as it is now.
      this.#queue.length = 0;
      this.#buffered = 0;
      this.#push(this.#picture(true));
      return;
    }
    this.#push({ type: 'output', data: chunk });
  }

  end(reason: string): void {
    if (this.#done) return;
    this.#push({ type: 'end', reason });
    this.#done = true;
  }

  close(): void {
    if (!this.#done) {
      this.#done = true;
      this.#queue.length = 0;
    }
    this.onClose();
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    try {
      for (;;) {
        const e = this.#queue.shift();
        if (e) {
          if (e.type !== 'end') this.#buffered -= e.data.length;
          yield e;
          if (e.type === 'end') return;
          continue;
        }
        if (this.#done) return;
        await new Promise<void>((r) => (this.#wake = r));
        this.#wake = undefined;
      }
    } finally {
      this.close();
    }
  }
}

interface Entry {
  info: LiveSessionInfo;
  endpoint: LiveEndpoint;
  viewers: Set<Viewer>;
}

/** The single-node registry: everything in this process's memory. */
export class InProcessRegistry implements LiveRegistry {
  readonly #sessions = new Map<string, Entry>();

  async register(info: LiveSessionInfo, endpoint: LiveEndpoint): Promise<LiveRegistration> {
    const entry: Entry = { info: { ...info, route: [...info.route] }, endpoint, viewers: new Set() };
    this.#sessions.set(info.id, entry);
    let ended = false;
    return {
      confirm: async (update) => {
        if (ended) return;
        entry.info = { ...entry.info, state: 'live', ...(update.route ? { route: [...update.route] } : {}) };
      },
      counters: (bytesIn, bytesOut) => {
        entry.info.bytesIn = bytesIn;
        entry.info.bytesOut = bytesOut;
      },
      publish: (chunk) => {
        for (const v of entry.viewers) v.output(chunk);
      },
      end: async (reason) => {
        if (ended) return;
        ended = true;
        if (this.#sessions.get(info.id) === entry) this.#sessions.delete(info.id);
        for (const v of entry.viewers) v.end(reason);
        entry.viewers.clear();
      },
    };
  }

  async list(filter: LiveListFilter = {}): Promise<LiveSessionInfo[]> {
    return [...this.#sessions.values()]
      .map((e) => ({ ...e.info, route: [...e.info.route] }))
      .filter(
        (i) =>
          (filter.user === undefined || i.user === filter.user) &&
          (filter.target === undefined || i.target === filter.target) &&
          (filter.requestId === undefined || i.requestId === filter.requestId),
      )
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<LiveSessionInfo | undefined> {
    const e = this.#sessions.get(id);
    return e && { ...e.info, route: [...e.info.route] };
  }

  async terminate(id: string, reason: string, by: string): Promise<boolean> {
    const e = this.#sessions.get(id);
    if (!e) return false;
    const message: LiveControl = { type: 'terminate', reason, by };
    e.endpoint.control(message);
    return true;
  }

  async terminateByRequest(requestId: string, reason: string, by: string): Promise<string[]> {
    const ids = (await this.list({ requestId })).map((i) => i.id);
    for (const id of ids) await this.terminate(id, reason, by);
    return ids;
  }

  async viewerChange(id: string, change: ViewerChange): Promise<void> {
    this.#sessions.get(id)?.endpoint.viewerChange?.(change);
  }

  /** Viewers attached to a session now (for diagnostics; not part of the registry contract). */
  viewerCount(id: string): number {
    return this.#sessions.get(id)?.viewers.size ?? 0;
  }

  async subscribe(id: string, options: LiveSubscribeOptions = {}): Promise<LiveSubscription | undefined> {
    const e = this.#sessions.get(id);
    if (!e) return undefined;
    const viewer: Viewer = new Viewer(
      options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED,
      () => e.endpoint.screen(),
      () => e.viewers.delete(viewer),
      () => e.endpoint.size?.(),
    );
    e.viewers.add(viewer);
    return viewer;
  }
}
