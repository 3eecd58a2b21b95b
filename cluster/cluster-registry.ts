import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  InProcessRegistry,
  ValidationError,
  type Clock,
  type IdGenerator,
  type LiveEndpoint,
  type LiveListFilter,
  type LiveRegistration,
  type LiveRegistry,
  type LiveSessionInfo,
  type LiveSubscribeOptions,
  type LiveSubscription,
  type Logger,
  type Timers,
  type ViewerChange,
} from '../core/index.ts';
import { CommandBus } from './command-bus.ts';
import type { PeerStreams } from './peer-streams.ts';

/** States a session row can be in; only the first two are live. */
export type ClusterSessionState = 'opening' | 'live' | 'ended' | 'lost';
const LIVE_STATES = `('opening', 'live')`;

export interface ClusterRegistryDeps {
  pool: pg.Pool;
  redis: Redis;
  /** This node's name: the owner recorded for every session it registers. */
  node: string;
  clock: Clock;
  timers: Timers;
  ids: IdGenerator;
  logger: Logger;
  /** Streams output of sessions held by other nodes; without it they cannot be shadowed. */
  peers?: PeerStreams;
  /** How often command rows are swept without a stream entry (default 2 s). */
  commandSweepMs?: number;
}

interface SessionRow {
  id: string;
  node: string;
  state: ClusterSessionState;
  info: string;
  bytes_in: string | number;
  bytes_out: string | number;
}

function toInfo(row: SessionRow): LiveSessionInfo {
  const info = JSON.parse(row.info) as LiveSessionInfo;
  return {
    ...info,
    state: row.state === 'opening' ? 'opening' : 'live',
    node: row.node,
    bytesIn: Number(row.bytes_in),
    bytesOut: Number(row.bytes_out),
  };
}

/**
 * The cluster's live registry. PostgreSQL holds the truth: one row per session, whose state only
 * moves forward, so every node lists every node's sessions. Control goes to the owning node as a
 * command (a durable row plus a Redis stream entry, see CommandBus). Viewers of a local session are
 * served by an in-process registry kept beside the rows; a session on another node is streamed
 * from its owner through `peers`.
 */
export class ClusterRegistry implements LiveRegistry {
  readonly #local = new InProcessRegistry();
  readonly #bus: CommandBus;
  /** Counters waiting for the next flush (a row write per chunk would be far too many). */
  readonly #counters = new Map<string, { bytesIn: number; bytesOut: number }>();
  /** Session ends whose row could not be written (PostgreSQL away), oldest first. */
  readonly #unwrittenEnds: { id: string; at: string; reason: string }[] = [];

  constructor(private readonly deps: ClusterRegistryDeps) {
    this.#bus = new CommandBus({
      pool: deps.pool,
      redis: deps.redis,
      node: deps.node,
      clock: deps.clock,
      timers: deps.timers,
      ids: deps.ids,
      logger: deps.logger,
      sweepMs: deps.commandSweepMs ?? 2_000,
      onCommand: (c) =>
        void (c.kind === 'viewer'
          ? this.#local.viewerChange(c.sessionId, c.args)
          : this.#local.terminate(c.sessionId, c.args.reason, c.args.by)),
    });
  }

  get node(): string {
    return this.deps.node;
  }

  /** Starts receiving commands for this node's sessions. */
  async start(): Promise<void> {
    await this.#bus.start();
  }

  /** Re-creates what Redis lost (the consumer group) and delivers commands sent meanwhile. */
  async resync(): Promise<void> {
    await this.#bus.resync();
  }

  /** Delivers every command row still waiting for this node (what the periodic sweep does). */
  async sweepCommands(): Promise<void> {
    await this.#bus.sweep();
  }

  async close(): Promise<void> {
    await this.#bus.close();
  }

  async register(info: LiveSessionInfo, endpoint: LiveEndpoint): Promise<LiveRegistration> {
    const stored: LiveSessionInfo = { ...info, route: [...info.route], node: this.deps.node };
    await this.deps.pool.query(
      `INSERT INTO cluster_sessions (id, node, state, user_name, target, request_id, started_at, info, bytes_in, bytes_out)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        info.id,
        this.deps.node,
        info.state,
        info.user,
        info.target,
        info.requestId,
        info.startedAt,
        JSON.stringify(stored),
        info.bytesIn,
        info.bytesOut,
      ],
    );
    const local = await this.#local.register(stored, endpoint);
    let ended = false;
    return {
      confirm: async (update) => {
        if (ended) return;
        const route = update.route ? [...update.route] : null;
        // Monotonic: a session already ended or reaped is never brought back.
        await this.deps.pool.query(
          `UPDATE cluster_sessions
             SET state = 'live',
                 info = CASE WHEN $2::text IS NULL THEN info
                             ELSE jsonb_set(info::jsonb, '{route}', $2::jsonb)::text END
           WHERE id = $1 AND state IN ${LIVE_STATES}`,
          [info.id, route && JSON.stringify(route)],
        );
        await local.confirm(update);
      },
      counters: (bytesIn, bytesOut) => {
        if (ended) return;
        local.counters(bytesIn, bytesOut);
        this.#counters.set(info.id, { bytesIn, bytesOut });
      },
      publish: (chunk) => local.publish(chunk),
      end: async (reason) => {
        if (ended) return;
        ended = true;
        this.#counters.delete(info.id);
        const end = { id: info.id, at: this.deps.clock.now().toISOString(), reason: reason.slice(0, 400) };
        try {
          await this.#writeEnd(end);
        } catch (e) {
          // PostgreSQL away: the row would stay live for good. Written again with the next beat.
          this.#unwrittenEnds.push(end);
          throw e;
        } finally {
          // Viewers learn of the end even when the database is away.
          await local.end(reason);
        }
      },
    };
  }

  async #writeEnd(e: { id: string; at: string; reason: string }): Promise<void> {
    await this.deps.pool.query(
      `UPDATE cluster_sessions SET state = 'ended', ended_at = $2, end_reason = $3
       WHERE id = $1 AND state IN ${LIVE_STATES}`,
      [e.id, e.at, e.reason],
    );
  }

  /**
   * Writes the byte counters gathered since the last flush and the ends PostgreSQL missed
   * (called with each heartbeat).
   */
  async flushCounters(): Promise<void> {
    while (this.#unwrittenEnds.length) {
      await this.#writeEnd(this.#unwrittenEnds[0]!);
      this.#unwrittenEnds.shift();
    }
    const pending = [...this.#counters];
    this.#counters.clear();
    for (const [id, c] of pending)
      await this.deps.pool.query(
        `UPDATE cluster_sessions SET bytes_in = $2, bytes_out = $3 WHERE id = $1 AND state IN ${LIVE_STATES}`,
        [id, c.bytesIn, c.bytesOut],
      );
  }

  async list(filter: LiveListFilter = {}): Promise<LiveSessionInfo[]> {
    const where: string[] = [`state IN ${LIVE_STATES}`];
    const params: unknown[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    add('user_name', filter.user);
    add('target', filter.target);
    add('request_id', filter.requestId);
    const { rows } = await this.deps.pool.query<SessionRow>(
      `SELECT id, node, state, info, bytes_in, bytes_out FROM cluster_sessions
       WHERE ${where.join(' AND ')} ORDER BY started_at, id`,
      params,
    );
    return rows.map(toInfo);
  }

  async get(id: string): Promise<LiveSessionInfo | undefined> {
    const row = await this.#row(id);
    return row && toInfo(row);
  }

  async #row(id: string): Promise<SessionRow | undefined> {
    const { rows } = await this.deps.pool.query<SessionRow>(
      `SELECT id, node, state, info, bytes_in, bytes_out FROM cluster_sessions
       WHERE id = $1 AND state IN ${LIVE_STATES}`,
      [id],
    );
    return rows[0];
  }

  async terminate(id: string, reason: string, by: string): Promise<boolean> {
    const row = await this.#row(id);
    if (!row) return false;
    await this.#bus.send(row.node, id, 'terminate', { reason, by });
    return true;
  }

  /**
   * A shadow joined or left: the owner writes the marker into the session's recording. Local
   * sessions are told at once; another node's through the command bus, like a terminate.
   */
  async viewerChange(id: string, change: ViewerChange): Promise<void> {
    const row = await this.#row(id);
    if (!row) return;
    if (row.node === this.deps.node) return this.#local.viewerChange(id, change);
    await this.#bus.send(row.node, id, 'viewer', { event: change.event, by: change.by });
  }

  async terminateByRequest(requestId: string, reason: string, by: string): Promise<string[]> {
    const ids = (await this.list({ requestId })).map((i) => i.id);
    for (const id of ids) await this.terminate(id, reason, by);
    return ids;
  }

  /** A viewer of a session this node holds (what the node-to-node stream serves). */
  subscribeLocal(id: string, options: LiveSubscribeOptions = {}): Promise<LiveSubscription | undefined> {
    return this.#local.subscribe(id, options);
  }

  async subscribe(id: string, options: LiveSubscribeOptions = {}): Promise<LiveSubscription | undefined> {
    const mine = await this.#local.subscribe(id, options);
    if (mine) return mine;
    const row = await this.#row(id);
    if (!row) return undefined;
    if (row.node === this.deps.node) return undefined; // ended here between the two reads
    const { rows } = await this.deps.pool.query<{ advertise_address: string }>(
      `SELECT advertise_address FROM cluster_nodes WHERE name = $1`,
      [row.node],
    );
    if (!this.deps.peers || !rows[0])
      throw new ValidationError(
        `session '${id}' runs on node '${row.node}': shadowing a session on another node is not available yet`,
        { reason: 'remote-session', node: row.node },
      );
    return this.deps.peers.subscribe({ name: row.node, address: rows[0].advertise_address }, id, options);
  }
}
