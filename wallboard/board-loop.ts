import type { BoardSnapshot, Timers } from '../core/index.ts';

/** How often the board reads the bastion when nothing happens. */
export const DEFAULT_REFRESH_MS = 5_000;
/** Committed changes refresh the board at once, but never more than once in this long. */
export const MIN_REFRESH_GAP_MS = 1_000;

/**
 * The board's refresh schedule: a read every `everyMs`, and an early one when core says something
 * committed (a session started, an approval arrived), at most one per `MIN_REFRESH_GAP_MS` so a
 * burst of audit rows costs one read. Reads never overlap; a failed read is shown and retried at
 * the next tick. Runs on injected timers, so tests and the bench move time themselves.
 */
export class BoardLoop {
  #cancel: (() => void) | undefined;
  #reading = false;
  #again = false;
  #lastAt = -Infinity;
  #stopped = false;

  constructor(
    private readonly o: {
      timers: Timers;
      everyMs: number;
      read: () => Promise<BoardSnapshot>;
      draw: (s: BoardSnapshot) => void;
      failed: (e: unknown) => void;
    },
  ) {}

  start(): Promise<void> {
    return this.#refresh();
  }

  /** Something committed: refresh soon. */
  poke(): void {
    if (this.#stopped) return;
    const now = this.o.timers.now().getTime();
    const wait = Math.max(0, this.#lastAt + MIN_REFRESH_GAP_MS - now);
    this.#schedule(Math.min(wait, this.o.everyMs));
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
  }

  #schedule(ms: number): void {
    this.#cancel?.();
    this.#cancel = this.o.timers.after(ms, () => void this.#refresh());
  }

  async #refresh(): Promise<void> {
    if (this.#stopped) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    this.#lastAt = this.o.timers.now().getTime();
    try {
      const s = await this.o.read();
      if (!this.#stopped) this.o.draw(s);
    } catch (e) {
      if (!this.#stopped) this.o.failed(e);
    } finally {
      this.#reading = false;
    }
    if (this.#stopped) return;
    if (this.#again) {
      this.#again = false;
      this.poke();
    } else this.#schedule(this.o.everyMs);
  }
}
