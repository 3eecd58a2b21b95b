/**
 * Work started after a commit and never awaited by the caller (listeners, sync pushes,
 * notifications). Kept here so shutdown and tests can wait for it to finish: `settled()`.
 */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  /** `onError` hears what the work threw (it is never rethrown: nobody is waiting for it). */
  constructor(private readonly onError: (e: unknown) => void = () => undefined) {}

  start(work: () => Promise<unknown>): void {
    // setImmediate: the caller's operation returns first; the work never sits on its path.
    const p: Promise<unknown> = new Promise((resolve) => setImmediate(resolve))
      .then(work)
      .catch((e: unknown) => this.onError(e))
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Resolves when everything started so far — and anything it started in turn — has finished. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}
