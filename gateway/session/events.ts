// The one queue a session's lifecycle waits on. Everything that can end a session from outside
// the data path (an administrator, a check-in, the idle, maximum-duration and expiry timers, a
// failed recording) and the data path's own end arrive here as typed events, in order, so the
// lifecycle is a loop over events rather than callbacks reaching into each other. Bytes never go
// through it: the data path moves them directly (that path is hot).

/** How a session ended, as `session.end` records it. */
export type EndCause =
  /** The target or the operator closed it (exit, logout, end of a transfer or a forward). */
  'closed' | 'terminated' | 'idle' | 'max-duration' | 'expired' | 'recording-failed';

/** Causes the gateway acts on (it stops the data path with the reason). */
export type StopCause = Exclude<EndCause, 'closed'>;

export interface PathEnd {
  exitCode?: number;
  signal?: string;
}

export type SessionEvent =
  /** End the session from the gateway's side; `reason` is the one line the operator sees. */
  | { type: 'stop'; cause: StopCause; reason: string; by?: string }
  /** The data path is over: both sides are closed. */
  | { type: 'path-ended'; end: PathEnd };

export class EventQueue<E> {
  readonly #queue: E[] = [];
  #wake: (() => void) | undefined;

  push(event: E): void {
    this.#queue.push(event);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The next event, waiting for one if none is queued. */
  async next(): Promise<E> {
    for (;;) {
      const e = this.#queue.shift();
      if (e !== undefined) return e;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
