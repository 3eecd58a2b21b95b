import type { Clock } from './runtime.ts';

/**
 * A clock that can also wake you: the gateway's idle, maximum-duration, check-out-expiry and
 * recording-flush timers go through it, so tests advance a manual clock instead of sleeping.
 */
export interface Timers extends Clock {
  /** Calls `fn` once after `ms`; the returned function cancels it (idempotent). */
  after(ms: number, fn: () => void): () => void;
}

/** Real time. Timers are unref'd: a pending idle timer never keeps the process alive. */
export const systemTimers: Timers = {
  now: () => new Date(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/** Test time: nothing fires until `advance` moves past its instant; fires in due order. */
export class ManualTimers implements Timers {
  #now: number;
  #seq = 0;
  readonly #due = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#now = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#now);
  }
  after(ms: number, fn: () => void): () => void {
    const id = ++this.#seq;
    this.#due.set(id, { at: this.#now + Math.max(0, ms), fn });
    return () => void this.#due.delete(id);
  }
  /** Timers still waiting (for assertions that nothing leaked). */
  get pending(): number {
    return this.#due.size;
  }
  /** Moves time forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#due) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.#due.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
    }
    this.#now = until;
  }
}
