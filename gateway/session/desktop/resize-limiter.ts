// Resizes the desktop, at most one every `minIntervalMs` and never two at once: where the target
// has no Display Control each one is a whole RDP login on the target (and an SSH login on every
// landing server), so a viewer resizing its window in a loop must not turn into a login flood; a
// Display Control resize is limited the same way (the server redraws the whole desktop for each). Requests that arrive meanwhile are
// coalesced: only the newest size is dialled, as soon as the interval allows.
import type { Timers } from '../../../core/index.ts';
import type { DesktopSize } from '../../../protocols/rdp/types.ts';

/** One reconnect a window resize may cause at most every this many milliseconds. */
export const MIN_RECONNECT_INTERVAL_MS = 2000;

export class ResizeLimiter {
  #pending: DesktopSize | undefined;
  #running = false;
  #cancel: (() => void) | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(
    private readonly timers: Timers,
    private readonly run: (size: DesktopSize) => Promise<void>,
    private readonly minIntervalMs = MIN_RECONNECT_INTERVAL_MS,
  ) {}

  /** Asks for `size`; a newer request replaces one still waiting. */
  request(size: DesktopSize): void {
    if (this.#stopped) return;
    this.#pending = size;
    this.#schedule();
  }

  /** No reconnect starts after this (the session is ending). */
  stop(): void {
    this.#stopped = true;
    this.#pending = undefined;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #schedule(): void {
    if (this.#running || this.#cancel || !this.#pending) return;
    const wait = Math.max(0, this.#lastStart + this.minIntervalMs - this.timers.now().getTime());
    this.#cancel = this.timers.after(wait, () => {
      this.#cancel = undefined;
      void this.#start();
    });
  }

  async #start(): Promise<void> {
    const size = this.#pending;
    if (!size || this.#stopped) return;
    this.#pending = undefined;
    this.#running = true;
    this.#lastStart = this.timers.now().getTime();
    try {
      await this.run(size);
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }
}
