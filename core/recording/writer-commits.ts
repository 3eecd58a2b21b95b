/**
 * The lifecycle every recording writer shares: the failure callbacks, the committed() waiters over
 * the bytes or events written so far, the bytes in flight and the one write chain. Its own file so
 * the asciicast, desktop and file-transfer writers keep one copy of it, with the same order of
 * effects in each.
 */
export class WriterCommits {
  /** The first error writing met; once set, nothing more is written. */
  failed: Error | undefined;
  /** How far the recording is written (bytes or events, as the writer counts what it hands over). */
  written = 0;
  /** Bytes handed to the file but not yet written (for backpressure). */
  inFlight = 0;
  chain: Promise<void> = Promise.resolve();
  readonly #failureCallbacks: ((error: Error) => void)[] = [];
  /** committed() callers: each waits until the recording is written up to its offset. */
  readonly #commits: { upTo: number; resolve: (ok: boolean) => void }[] = [];
  /** Drops the writer's buffers and stops its timer when writing fails. */
  readonly #onFail: () => void;

  constructor(onFail: () => void) {
    this.#onFail = onFail;
  }

  onFailure(cb: (error: Error) => void): void {
    if (this.failed) {
      const error = this.failed;
      queueMicrotask(() => cb(error));
    } else this.#failureCallbacks.push(cb);
  }

  /** Recorded but not yet on disk: what is buffered plus what is in flight (0 once failed). */
  backlog(buffered: number): number {
    return this.failed ? 0 : buffered + this.inFlight;
  }

  /** Whether a committed() caller is waiting. */
  get waiting(): boolean {
    return this.#commits.length > 0;
  }

  /** Resolves true once written up to upTo, false if writing fails; start() begins a write. */
  committed(upTo: number, start: () => void): Promise<boolean> {
    if (this.failed) return Promise.resolve(false);
    if (this.written >= upTo) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#commits.push({ upTo, resolve });
      start();
    });
  }

  /**
   * Queues write() on the chain with pending bytes in flight: skipped once failed, committed()
   * callers it reaches are resolved after it, an error fails the writer; after() runs once a write
   * that was tried has finished (not when it was skipped).
   */
  enqueue(pending: number, write: () => Promise<void>, after?: () => void): Promise<void> {
    this.inFlight += pending;
    this.chain = this.chain.then(async () => {
      try {
        if (this.failed) return;
        await write();
        this.#settle();
      } catch (e) {
        this.fail(e);
      } finally {
        this.inFlight -= pending;
      }
      after?.();
    });
    return this.chain;
  }

  fail(e: unknown): void {
    if (this.failed) return;
    const error = e instanceof Error ? e : new Error(String(e));
    this.failed = error;
    for (const c of this.#commits.splice(0)) c.resolve(false);
    this.#onFail();
    for (const cb of this.#failureCallbacks.splice(0)) {
      try {
        cb(error);
      } catch {
        // A failing callback must not hide the failure from the others.
      }
    }
  }

  #settle(): void {
    while (this.#commits.length && this.#commits[0]!.upTo <= this.written)
      this.#commits.shift()!.resolve(true);
  }
}
