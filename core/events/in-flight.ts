/**
 * Work started after a commit and never awaited by the caller (listeners, sync pushes,
 * notifications). At most `limit` pieces run at once — a rotation of 500 accounts must not start
 * 500 listener processes together — and the rest wait in order. Shutdown and tests wait for all
 * of it with `settled()`.
 */
export class InFlight {
  readonly #queue: (() => Promise<unknown>)[] = [];
  readonly #idle: (() => void)[] = [];
  #active = 0;

  /** `onError` hears what the work threw (it is never rethrown: nobody is waiting for it). */
  constructor(
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly limit = 4,
  ) {}

  start(work: () => Promise<unknown>): void {
    this.#queue.push(work);
    // setImmediate: the caller's operation returns first; the work never sits on its path.
    setImmediate(() => this.#pump());
  }

  #pump(): void {
    while (this.#active < this.limit && this.#queue.length > 0) {
      const work = this.#queue.shift()!;
      this.#active++;
      Promise.resolve()
        .then(work)
        .catch((e: unknown) => this.onError(e))
        .finally(() => {
          this.#active--;
          this.#pump();
          if (this.#active === 0 && this.#queue.length === 0) for (const r of this.#idle.splice(0)) r();
        });
    }
  }

  /** Resolves when everything started so far — and anything it started in turn — has finished. */
  settled(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
