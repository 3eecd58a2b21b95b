/**
 * The strict recording policy's promise: the operator sees no target output the recording does
 * not hold. Target output goes to the recorder first; this gate hands it to the operator only once
 * the recorder says it is written (`committed()`), in order. When writing fails, the output still
 * waiting is dropped, never shown; the gateway's own notices (why the session ended) are delivered
 * in their place in the stream whatever the recording's state.
 *
 * What waits here is bounded by the session's backpressure: the target is paused while the
 * recorder's backlog is over its limit, and everything waiting here is in that backlog.
 */
import type { TerminalRecorder } from '../../../core/index.ts';

export class RecordedOutputGate {
  readonly #recorder: TerminalRecorder;
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(recorder: TerminalRecorder) {
    this.#recorder = recorder;
  }

  /**
   * Target output already handed to the recorder (in this tick: the check runs in a microtask, so
   * a caller that records right after calling this is covered too): `deliver` runs once it is
   * written, never if writing fails.
   */
  output(chunk: Buffer, deliver: (chunk: Buffer) => void): void {
    this.#waiting += chunk.length;
    const written = Promise.resolve().then(() => this.#recorder.committed());
    this.#tail = this.#tail
      .then(() => written)
      .then((ok) => {
        this.#waiting -= chunk.length;
        if (ok) safely(() => deliver(chunk));
      });
  }

  /** The gateway's own text: after the output before it, recorded or not. */
  notice(deliver: () => void): void {
    this.#tail = this.#tail.then(() => safely(deliver));
  }

  /** Bytes of output not yet delivered. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Resolves once everything handed over so far is delivered or dropped. */
  idle(): Promise<void> {
    return this.#tail;
  }
}

/** A channel that throws (closed under us) must not stop the deliveries after it. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // The operator's channel is gone; the session's end is handled elsewhere.
  }
}
