// The desktop size the viewer asks for, from the page's geometry, and the debounce that turns a
// window being dragged (dozens of resize events a second) into one request once it stops: each
// request the gateway acts on is a reconnect to the target.
import { DESKTOP_LIMITS, type DesktopSize } from '../../protocols/rdp/types.ts';

/** How long the window must stay still before its size is asked for. */
export const RESIZE_DEBOUNCE_MS = 500;

/** A timer as the page has one (setTimeout) and tests have one (core's ManualTimers). */
export interface Wakeup {
  after(ms: number, fn: () => void): () => void;
}

/** The desktop that fills the viewer's box: its width, and the window's height below its top. */
export function desktopSizeFor(
  box: { width: number; top: number },
  window: { width: number; height: number },
): DesktopSize {
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(v)));
  return {
    width: clamp(box.width || window.width, DESKTOP_LIMITS.minWidth, DESKTOP_LIMITS.maxWidth),
    height: clamp(
      window.height - Math.max(0, box.top) - 8,
      DESKTOP_LIMITS.minHeight,
      DESKTOP_LIMITS.maxHeight,
    ),
  };
}

/** Calls `send` once the size has stopped changing for `delayMs`, and only when it differs from the last sent. */
export class ResizeDebounce {
  #cancel: (() => void) | undefined;
  #last: DesktopSize;

  constructor(
    private readonly timers: Wakeup,
    initial: DesktopSize,
    private readonly send: (size: DesktopSize) => void,
    private readonly delayMs = RESIZE_DEBOUNCE_MS,
  ) {
    this.#last = initial;
  }

  changed(size: DesktopSize): void {
    this.#cancel?.();
    this.#cancel = this.timers.after(this.delayMs, () => {
      this.#cancel = undefined;
      if (size.width === this.#last.width && size.height === this.#last.height) return;
      this.#last = size;
      this.send(size);
    });
  }
}
