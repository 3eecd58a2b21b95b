import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Clock, Logger, Timers } from '../core/index.ts';

export const presenceKey = (node: string): string => `custody:node:${node}`;

/** Writes one audit row on its own (the signature of the core context's `auditAs`). */
export type ClusterAudit = (
  who: { name: string; source: string },
  type: 'cluster.node-lost' | 'cluster.session-lost',
  target: { kind: string; name: string },
  result: 'success' | 'failure',
  details?: Record<string, unknown>,
) => Promise<void>;

export interface PresenceTiming {
  /** How often a node writes its heartbeat row and refreshes its presence key. */
  heartbeatMs: number;
  /**
   * How long without a heartbeat before a node counts as lost: several heartbeats, so one slow
   * write is never a death. It is also the presence key's time to live.
   */
  lostAfterMs: number;
}

export const DEFAULT_PRESENCE: PresenceTiming = { heartbeatMs: 5_000, lostAfterMs: 15_000 };

/**
 * A node's heartbeat: its row in `cluster_nodes` (the truth the reaper compares) and its presence
 * key in Redis (expires by itself when the node stops refreshing it). Each beat also runs the
 * given work (the registry's counter flush, the reaper) so a node needs one timer, not several.
 */
export class NodePresence {
  #cancel: (() => void) | null = null;
  #stopped = false;
  readonly #startedAt: string;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      redis: Redis;
      node: string;
      address: string;
      clock: Clock;
      timers: Timers;
      logger: Logger;
      timing: PresenceTiming;
      /** Runs after every beat; its failure is logged, never fatal. */
      onBeat?: () => Promise<void>;
    },
  ) {
    this.#startedAt = deps.clock.now().toISOString();
  }

  /**
   * One beat now: the heartbeat row and the presence key, each tried whatever the other did. A node
   * is reaped only when both lapsed, so the key must stay fresh while PostgreSQL is away: else,
   * once PostgreSQL returns, every node's row is stale and its key gone, and the first reaper would
   * mark every other node's running sessions lost. Rejects when the row could not be written.
   */
  async beat(): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const [row, key] = await Promise.allSettled([
      this.deps.pool.query(
        `INSERT INTO cluster_nodes (name, advertise_address, started_at, heartbeat_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET advertise_address = $2, heartbeat_at = $4`,
        [this.deps.node, this.deps.address, this.#startedAt, now],
      ),
      this.deps.redis.set(presenceKey(this.deps.node), this.deps.address, 'PX', this.deps.timing.lostAfterMs),
    ]);
    if (key.status === 'rejected')
      this.deps.logger.log('warn', 'cluster presence not refreshed (Redis away)', {
        error: (key.reason as Error).message,
      });
    if (row.status === 'rejected') throw row.reason;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#cancel = this.deps.timers.after(this.deps.timing.heartbeatMs, () => {
      void this.beat()
        .then(() => this.deps.onBeat?.())
        .catch((e: Error) => this.deps.logger.log('warn', 'cluster heartbeat failed', { error: e.message }))
        .finally(() => this.#schedule());
    });
  }

  /** Stops beating; with `leave`, removes the node's row and key (a graceful shutdown). */
  async stop(options: { leave?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    if (!options.leave) return;
    await this.deps.redis.del(presenceKey(this.deps.node)).catch(() => undefined);
    await this.deps.pool.query(`DELETE FROM cluster_nodes WHERE name = $1`, [this.deps.node]);
  }
}

export interface LostSession {
  id: string;
  node: string;
  user: string;
  target: string;
}

/**
 * Finds nodes that died without leaving (a `kill -9`, a power cut) and marks their sessions
 * `lost`, audited. A node counts as dead only when BOTH its heartbeat row is older than the bound
 * AND its Redis presence key has expired: a database hiccup alone or a Redis restart alone (which
 * empties every key) reaps nobody. When Redis cannot be asked, nothing is reaped this round.
 * Every node runs it; the state change is a conditional update, so two reapers racing audit each
 * session once.
 */
export class Reaper {
  constructor(
    private readonly deps: {
      pool: pg.Pool;
      redis: Redis;
      node: string;
      clock: Clock;
      timing: PresenceTiming;
      audit: ClusterAudit;
      logger: Logger;
    },
  ) {}

  /**
   * At start-up: sessions this node's previous run left as live (it was killed and came back
   * under the same name before any reaper saw it go) are marked lost, audited. Call it before the
   * node registers anything.
   */
  async settleOwnLeftovers(): Promise<LostSession[]> {
    return this.#markLost(this.deps.node, null);
  }

  async #markLost(node: string, lastHeartbeat: string | null): Promise<LostSession[]> {
    const who = { name: 'system', source: `cluster-reaper:${this.deps.node}` };
    const { rows } = await this.deps.pool.query<{ id: string; user_name: string; target: string }>(
      `UPDATE cluster_sessions SET state = 'lost', ended_at = $2, end_reason = $3
       WHERE node = $1 AND state IN ('opening', 'live') RETURNING id, user_name, target`,
      [node, this.deps.clock.now().toISOString(), `node ${node} lost`],
    );
    const lost: LostSession[] = [];
    for (const r of rows) {
      lost.push({ id: r.id, node, user: r.user_name, target: r.target });
      await this.deps.audit(who, 'cluster.session-lost', { kind: 'session', name: r.id }, 'success', {
        node,
        user: r.user_name,
        target: r.target,
        lastHeartbeat,
      });
    }
    if (rows.length)
      this.deps.logger.log('warn', 'cluster sessions marked lost', { node, sessions: rows.length });
    return lost;
  }

  async sweep(): Promise<LostSession[]> {
    const bound = new Date(this.deps.clock.now().getTime() - this.deps.timing.lostAfterMs).toISOString();
    const { rows: stale } = await this.deps.pool.query<{ name: string; heartbeat_at: string }>(
      `SELECT name, heartbeat_at FROM cluster_nodes WHERE heartbeat_at < $1 AND name <> $2 ORDER BY name`,
      [bound, this.deps.node],
    );
    const lost: LostSession[] = [];
    const who = { name: 'system', source: `cluster-reaper:${this.deps.node}` };
    for (const dead of stale) {
      let present: number;
      try {
        present = await this.deps.redis.exists(presenceKey(dead.name));
      } catch {
        return lost;
      }
      if (present) continue;
      // Claim the node first: only the reaper whose delete removed the row reports it.
      const claimed = await this.deps.pool.query(
        `DELETE FROM cluster_nodes WHERE name = $1 AND heartbeat_at = $2`,
        [dead.name, dead.heartbeat_at],
      );
      if (claimed.rowCount === 1)
        await this.deps.audit(who, 'cluster.node-lost', { kind: 'node', name: dead.name }, 'success', {
          lastHeartbeat: dead.heartbeat_at,
        });
      lost.push(...(await this.#markLost(dead.name, dead.heartbeat_at)));
    }
    return lost;
  }
}
