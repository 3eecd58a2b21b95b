import type pg from 'pg';
import type { Clock, JobGate, Logger, Timers } from '../core/index.ts';

/**
 * Run-once-per-cluster jobs hold a lease: a row in `cluster_leases` naming the holder, until when,
 * and a fencing token that grows by one with every new holder.
 *
 * Why a lease row and not a PostgreSQL advisory lock: a transaction-scoped advisory lock lasts one
 * transaction, but a rotation pass resets passwords on real targets across many transactions and
 * minutes; a session-scoped one belongs to one pooled connection and is released only when the
 * server notices that connection is dead (TCP keep-alive: minutes, unbounded in a partition), so a
 * cut-off node would keep the job. A lease expires at a known time by the cluster's clock, and its
 * token lets a write check that its holder still holds it. Why not Redis: a Redis restart would
 * drop every lease at once, and the effects the token fences are PostgreSQL rows anyway.
 *
 * Times are compared by each node's clock (injected): node clocks must agree to well within the
 * lease's time to live (NTP), which the documentation states.
 */
export interface LeaseOptions {
  pool: pg.Pool;
  node: string;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** How long a lease lasts without renewal (default 30 s). */
  ttlMs?: number;
}

export interface HeldLease {
  job: string;
  /** The fencing token: larger than any token a previous holder had. */
  token: number;
  /** Aborted when this node learns it no longer holds the lease. */
  signal: AbortSignal;
  /** Extends the lease; false (and `signal` aborted) when another node took it meanwhile. */
  renew(): Promise<boolean>;
  /** True while the row still names this holder with this token (check before each effect). */
  isCurrent(): Promise<boolean>;
  /** Gives the lease up at once (a graceful stop), so another node need not wait for expiry. */
  release(): Promise<void>;
}

export class JobLeases {
  readonly #ttl: number;

  constructor(private readonly o: LeaseOptions) {
    this.#ttl = o.ttlMs ?? 30_000;
  }

  get ttlMs(): number {
    return this.#ttl;
  }

  /** Takes the lease if it is free, expired, or already ours; null when another node holds it. */
  async tryAcquire(job: string): Promise<HeldLease | null> {
    const now = this.o.clock.now();
    const until = new Date(now.getTime() + this.#ttl).toISOString();
    const { rows } = await this.o.pool.query<{ token: string }>(
      `INSERT INTO cluster_leases (job, holder, token, expires_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (job) DO UPDATE SET holder = $2, token = cluster_leases.token + 1, expires_at = $3
         WHERE cluster_leases.expires_at <= $4 OR cluster_leases.holder = $2
       RETURNING token`,
      [job, this.o.node, until, now.toISOString()],
    );
    if (!rows[0]) return null;
    return this.#held(job, Number(rows[0].token));
  }

  #held(job: string, token: number): HeldLease {
    const controller = new AbortController();
    const lost = () => {
      if (controller.signal.aborted) return;
      this.o.logger.log('warn', 'cluster job lease lost', { job, token, node: this.o.node });
      controller.abort(new Error(`lease for ${job} lost`));
    };
    const mine = [job, this.o.node, token] as const;
    return {
      job,
      token,
      signal: controller.signal,
      renew: async () => {
        if (controller.signal.aborted) return false;
        const now = this.o.clock.now();
        const r = await this.o.pool.query(
          `UPDATE cluster_leases SET expires_at = $4
           WHERE job = $1 AND holder = $2 AND token = $3 AND expires_at > $5`,
          [...mine, new Date(now.getTime() + this.#ttl).toISOString(), now.toISOString()],
        );
        if (r.rowCount === 1) return true;
        lost();
        return false;
      },
      isCurrent: async () => {
        const r = await this.o.pool.query(
          `SELECT 1 FROM cluster_leases WHERE job = $1 AND holder = $2 AND token = $3 AND expires_at > $4`,
          [...mine, this.o.clock.now().toISOString()],
        );
        if (r.rowCount === 1) return true;
        lost();
        return false;
      },
      release: async () => {
        lost();
        await this.o.pool.query(
          `UPDATE cluster_leases SET expires_at = $4 WHERE job = $1 AND holder = $2 AND token = $3`,
          [...mine, new Date(0).toISOString()],
        );
      },
    };
  }
}

/**
 * Runs one pass of a periodic job only on the node holding the job's lease. A node keeps the lease
 * between passes by renewing it at each pass and every third of its time to live during a long
 * pass; when a renewal finds another holder, the node stops: its signal is aborted and it runs no
 * further pass until it wins the lease again (after the other holder stopped renewing).
 */
export class LeaseGate {
  readonly #held = new Map<string, HeldLease>();

  constructor(
    private readonly leases: JobLeases,
    private readonly timers: Timers,
  ) {}

  /** True when the pass ran here. */
  async run(job: string, pass: (lease: HeldLease) => Promise<unknown>): Promise<boolean> {
    let lease = this.#held.get(job);
    if (lease && !(await lease.renew())) lease = undefined;
    lease ??= (await this.leases.tryAcquire(job)) ?? undefined;
    if (!lease) {
      this.#held.delete(job);
      return false;
    }
    this.#held.set(job, lease);
    const held = lease;
    let cancel = (): void => undefined;
    let finished = false;
    const keep = () => {
      if (finished) return;
      cancel = this.timers.after(this.leases.ttlMs / 3, () => {
        void held.renew().then(
          (ok) => ok && keep(),
          () => undefined,
        );
      });
    };
    keep();
    try {
      await pass(held);
    } finally {
      finished = true;
      cancel();
    }
    return true;
  }

  /** Gives up every lease this node holds (graceful shutdown). */
  async releaseAll(): Promise<void> {
    for (const l of this.#held.values()) await l.release().catch(() => undefined);
    this.#held.clear();
  }
}

/**
 * The core schedulers' gate (`startSchedulers({ gate })`), backed by this node's leases: a pass
 * sees the lease's signal, and `stillHeld` reads the row (fencing token included), so a node that
 * was paused past the lease's expiry learns it before its next effect, not at its next renewal.
 */
export function leaseJobGate(gate: LeaseGate): JobGate {
  return (job, pass) =>
    gate.run(job, (held) =>
      pass({ signal: held.signal, stillHeld: () => held.isCurrent(), token: held.token }),
    );
}
