/**
 * One viewer's output path: a bounded queue in front of its sink, so a viewer that throws or stops
 * reading never stalls the owner or the other viewers. A sink may return a promise (backpressure);
 * while it is pending, chunks queue up; past the bound the viewer is dropped with a message.
 */
import type { Writable } from 'node:stream';
import { firstLine } from '../../core/index.ts';

/** Where a participant's output goes. A returned promise means "not ready for more until it settles". */
export type Sink = (chunk: Buffer) => void | Promise<void>;

export const DEFAULT_SHADOW_LIMIT = 1024 * 1024;

function isThenable(v: unknown): v is PromiseLike<void> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Adapts a writable stream (an SSH channel, a socket) to a Sink that honours its backpressure. */
export function streamSink(stream: Writable): Sink {
  return (chunk) => {
    if (stream.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
        stream.off('error', done);
        if (e) reject(e);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error('stream closed'));
      stream.on('drain', onDrain);
      stream.on('close', onClose);
      stream.on('error', done);
    });
  };
}

export class ShadowQueue {
  readonly #sink: Sink;
  readonly #limit: number;
  readonly #onGone: (reason: string) => void;
  #queue: Buffer[] = [];
  #queued = 0;
  #busy = false;
  #gone = false;
  /** Set by end(): the reason to report once the queue has drained. */
  #ending: string | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(sink: Sink, onGone: (reason: string) => void, limit = DEFAULT_SHADOW_LIMIT) {
    this.#sink = sink;
    this.#onGone = onGone;
    this.#limit = limit;
  }

  get gone(): boolean {
    return this.#gone;
  }
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Delivers now if the sink is ready, else queues; drops the viewer past the bound. */
  push(chunk: Buffer): void {
    if (this.#gone || this.#ending !== undefined || !chunk.length) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > this.#limit) {
      this.drop(
        `too far behind (more than ${Math.round(this.#limit / 1024)} KiB queued)`,
        `\r\n[custody] shadow view dropped: too far behind\r\n`,
      );
      return;
    }
    this.#pump();
  }

  /** Ends this viewer now: queued output is discarded, `message` is sent as a last word. */
  drop(reason: string, message?: string): void {
    if (this.#gone) return;
    this.#queue = [];
    this.#queued = 0;
    if (message) this.#deliverQuietly(Buffer.from(message, 'utf8'));
    this.#finish(reason);
  }

  /** Ends this viewer after what is queued has gone out (or after `graceMs`, whichever is first). */
  end(reason: string, graceMs = 2000): void {
    if (this.#gone || this.#ending !== undefined) return;
    this.#ending = reason;
    if (!this.#busy && !this.#queue.length) {
      this.#finish(reason);
      return;
    }
    this.#graceTimer = setTimeout(() => this.drop(reason), graceMs);
    this.#graceTimer.unref();
  }

  /** The viewer left on its own: no more output, no end callback. */
  detach(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#queue = [];
    this.#queued = 0;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
  }

  #pump(): void {
    while (!this.#busy && !this.#gone && this.#queue.length) {
      const chunk = this.#queue.shift()!;
      let r: void | Promise<void>;
      try {
        r = this.#sink(chunk);
      } catch (e) {
        this.drop(`viewer failed: ${firstLine(e)}`);
        return;
      }
      if (isThenable(r)) {
        this.#busy = true;
        // Still counted until it settles: a sink that never settles fills the bound.
        r.then(
          () => {
            this.#busy = false;
            if (this.#gone) return;
            this.#queued -= chunk.length;
            this.#pump();
          },
          (e: unknown) => {
            this.#busy = false;
            if (this.#gone) return;
            this.drop(`viewer failed: ${firstLine(e)}`);
          },
        );
        return;
      }
      this.#queued -= chunk.length;
    }
    if (!this.#busy && !this.#queue.length && this.#ending !== undefined) this.#finish(this.#ending);
  }

  #deliverQuietly(chunk: Buffer): void {
    try {
      const r = this.#sink(chunk);
      if (isThenable(r)) r.then(undefined, () => undefined);
    } catch {
      // The viewer is being dropped anyway.
    }
  }

  #finish(reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    try {
      this.#onGone(reason);
    } catch {
      // A viewer's end callback must not break the session.
    }
  }
}
