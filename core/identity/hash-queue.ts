import os from 'node:os';
import { verifyLoginPassword } from '../crypto/password-hash.ts';
import type { Secret } from '../crypto/secret.ts';
import { LimitError } from '../errors.ts';

/** Checks a password against its stored Argon2 hash (the real one, or a test's counting stand-in). */
export type PasswordVerifier = (hash: string, password: Secret) => Promise<boolean>;

export interface HashQueueLimits {
  /** Hashes computed at once, overall. */
  concurrency: number;
  /** Jobs waiting, overall; beyond it a job is refused at once ("try again"). */
  maxQueued: number;
  /** Jobs waiting from one source address. */
  maxQueuedPerSource: number;
}

/**
 * Automatic concurrency: one core left for the event loop (handshakes and live sessions), and
 * at most 3 so that libuv's pool of 4 threads always has one for file system and crypto work.
 */
export function defaultHashConcurrency(): number {
  return Math.max(1, Math.min(os.availableParallelism() - 1, 3));
}

/** The queue is full (overall or for this source): answered at once rather than waited for. */
export class HashQueueFullError extends LimitError {
  constructor() {
    super('too many logins in progress: try again shortly');
  }
}

/** The client went away before its hash ran: nobody is waiting for the answer. */
export class HashAbandonedError extends LimitError {
  constructor() {
    super('the login was abandoned before its password was checked');
  }
}

interface Job {
  run: () => void;
  abandon: () => void;
  signal?: AbortSignal;
}

/**
 * Login password hashing, bounded so that a flood of password attempts cannot starve the
 * machine or everyone else's logins: at most `concurrency` Argon2 verifications at once,
 * a bounded wait list served round-robin over source addresses (one address's flood waits behind
 * itself, not in front of everyone), and a job whose client has gone (its AbortSignal fired) is
 * dropped without being computed. A full list refuses at once.
 */
export class HashQueue {
  #running = 0;
  #queued = 0;
  /** Waiting jobs per source; Map order is the round-robin order. */
  readonly #bySource = new Map<string, Job[]>();

  constructor(
    readonly limits: HashQueueLimits,
    private readonly verifier: PasswordVerifier = verifyLoginPassword,
  ) {}

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  verify(hash: string, password: Secret, source: string, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(new HashAbandonedError());
    const waiting = this.#bySource.get(source);
    if (this.#running < this.limits.concurrency && this.#queued === 0) return this.#start(hash, password);
    if (this.#queued >= this.limits.maxQueued || (waiting?.length ?? 0) >= this.limits.maxQueuedPerSource)
      return Promise.reject(new HashQueueFullError());
    return new Promise<boolean>((resolve, reject) => {
      const job: Job = {
        signal,
        run: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#start(hash, password).then(resolve, reject);
        },
        abandon: () => reject(new HashAbandonedError()),
      };
      const onAbort = () => {
        // Leaves the list at once: an abandoned job holds no place another client could use.
        const list = this.#bySource.get(source);
        const at = list?.indexOf(job) ?? -1;
        if (!list || at < 0) return;
        list.splice(at, 1);
        if (!list.length) this.#bySource.delete(source);
        this.#queued--;
        job.abandon();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (waiting) waiting.push(job);
      else this.#bySource.set(source, [job]);
      this.#queued++;
    });
  }

  #start(hash: string, password: Secret): Promise<boolean> {
    this.#running++;
    return this.verifier(hash, password).finally(() => {
      this.#running--;
      this.#next();
    });
  }

  /** Starts the first job of the next source in turn; that source moves to the back. */
  #next(): void {
    while (this.#running < this.limits.concurrency && this.#queued > 0) {
      const [source, list] = this.#bySource.entries().next().value as [string, Job[]];
      const job = list.shift()!;
      this.#bySource.delete(source);
      if (list.length) this.#bySource.set(source, list);
      this.#queued--;
      if (job.signal?.aborted) {
        job.abandon();
        continue;
      }
      job.run();
    }
  }
}
