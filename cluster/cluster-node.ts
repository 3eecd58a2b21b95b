import { Redis } from 'ioredis';
import { promises as fs } from 'node:fs';
import pg from 'pg';
import {
  ConfigError,
  systemTimers,
  uuidIds,
  type CustodyConfig,
  type JobGate,
  type Logger,
  type Timers,
} from '../core/index.ts';
import { ClusterRegistry } from './cluster-registry.ts';
import { JobLeases, LeaseGate, leaseJobGate } from './job-lease.ts';
import type { NodeIdentity } from './node-certificates.ts';
import { servePeerStreams, TlsPeerStreams } from './peer-proxy.ts';
import { otherNodeOfSession } from './recording-holder.ts';
import {
  DEFAULT_PRESENCE,
  NodePresence,
  Reaper,
  type ClusterAudit,
  type PresenceTiming,
} from './presence.ts';

/** True when the configuration turns cluster mode on. */
export function clusterModeOn(config: Readonly<CustodyConfig>): boolean {
  return config.cluster.redis_url !== '';
}

export interface ClusterNodeOptions {
  config: Readonly<CustodyConfig>;
  /** The node's name in the cluster (already resolved: option, config, or host name and port). */
  node: string;
  logger: Logger;
  timers?: Timers;
  timing?: PresenceTiming;
  /** This node's certificate from the cluster authority; without it, no node-to-node streams. */
  identity?: NodeIdentity;
}

/**
 * One node's share of the cluster, built in two steps around the core: `connect` opens the
 * connections and the registry the core is given; `start` (after the core migrated the database)
 * settles what this node's previous run left, starts receiving commands, and beats. The reaper runs
 * on every beat of every node.
 */
export class ClusterNode {
  readonly registry: ClusterRegistry;
  readonly #pool: pg.Pool;
  readonly #redis: Redis;
  readonly #gate: LeaseGate;
  readonly #timers: Timers;
  readonly #timing: PresenceTiming;
  #presence: NodePresence | null = null;
  #peerServer: { close(): Promise<void> } | null = null;

  private constructor(
    private readonly o: ClusterNodeOptions,
    pool: pg.Pool,
  ) {
    this.#pool = pool;
    this.#timers = o.timers ?? systemTimers;
    this.#timing = o.timing ?? DEFAULT_PRESENCE;
    // Commands must fail at once when Redis is away (the durable row and its sweep take over),
    // never wait in a queue that would deliver a terminate minutes late.
    this.#redis = new Redis(o.config.cluster.redis_url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    this.#redis.on('error', (e: Error) => o.logger.log('warn', 'redis', { error: e.message }));
    this.registry = new ClusterRegistry({
      pool,
      redis: this.#redis,
      node: o.node,
      clock: this.#timers,
      timers: this.#timers,
      ids: uuidIds,
      logger: o.logger,
      ...(o.identity ? { peers: new TlsPeerStreams(o.identity) } : {}),
    });
    this.#gate = new LeaseGate(
      new JobLeases({ pool, node: o.node, clock: this.#timers, timers: this.#timers, logger: o.logger }),
      this.#timers,
    );
  }

  static async connect(o: ClusterNodeOptions): Promise<ClusterNode> {
    const s = o.config.storage;
    if (s.driver !== 'postgres') throw new ConfigError('cluster mode needs [storage] driver = "postgres"');
    const password = s.postgres_password_file
      ? (await fs.readFile(s.postgres_password_file, 'utf8')).trim()
      : undefined;
    const pool = new pg.Pool({ connectionString: s.postgres_url, max: 5, ...(password ? { password } : {}) });
    pool.on('error', (e) => o.logger.log('warn', 'postgres (cluster)', { error: e.message }));
    return new ClusterNode(o, pool);
  }

  /** The gate the core's schedulers run under: one node per job at a time. */
  get jobGate(): JobGate {
    return leaseJobGate(this.#gate);
  }

  async start(o: { address: string; audit: ClusterAudit }): Promise<void> {
    // Commands are not queued while Redis connects: wait for it (bounded) so the first heartbeat
    // writes the presence key; if Redis is away, the node starts anyway and catches up on reconnect.
    await this.redisReady();
    const reaper = new Reaper({
      pool: this.#pool,
      redis: this.#redis,
      node: this.o.node,
      clock: this.#timers,
      timing: this.#timing,
      audit: o.audit,
      logger: this.o.logger,
    });
    await reaper.settleOwnLeftovers();
    await this.registry.start();
    // Other nodes' viewers of this node's sessions come in here, on the advertised address.
    const at = o.address.lastIndexOf(':');
    if (this.o.identity && at > 0 && Number(o.address.slice(at + 1)) > 0)
      this.#peerServer = await servePeerStreams({
        identity: this.o.identity,
        host: o.address.slice(0, at),
        port: Number(o.address.slice(at + 1)),
        sessions: this.registry,
        logger: this.o.logger,
      });
    this.#presence = new NodePresence({
      pool: this.#pool,
      redis: this.#redis,
      node: this.o.node,
      address: o.address,
      clock: this.#timers,
      timers: this.#timers,
      logger: this.o.logger,
      timing: this.#timing,
      onBeat: async () => {
        await this.registry.flushCounters();
        await reaper.sweep();
      },
    });
    await this.#presence.start();
  }

  /** Resolves once Redis answers (or after `ms`: commands then go by their rows alone). */
  async redisReady(ms = 2_000): Promise<void> {
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const cancel = this.#timers.after(ms, resolve);
      this.#redis.once('ready', () => {
        cancel();
        resolve();
      });
    });
  }

  /**
   * True when the session was this node's, or never a cluster session at all (its recording was
   * made before the node joined a cluster, so no other node can be writing it). A session's row is
   * written before its recording opens, so another node's recording always has its row.
   */
  async holdsSession(sessionId: string): Promise<boolean> {
    const { rows } = await this.#pool.query<{ node: string }>(
      `SELECT node FROM cluster_sessions WHERE id = $1`,
      [sessionId],
    );
    return !rows[0] || rows[0].node === this.o.node;
  }

  /** The other node whose own disk holds the recordings of `sessionId` (undefined: this one). */
  async recordingHolder(sessionId: string): Promise<string | undefined> {
    return otherNodeOfSession(this.#pool, this.o.node, sessionId);
  }

  /** Closes the connections of a node that was never started (a CLI command's). */
  async disconnect(): Promise<void> {
    this.#redis.disconnect();
    await this.#pool.end();
  }

  /** A graceful stop: leases handed over, the node's row and presence removed, connections closed. */
  async close(): Promise<void> {
    await this.#gate.releaseAll();
    await this.#peerServer?.close();
    await this.#presence?.stop({ leave: true }).catch(() => undefined);
    await this.registry.close();
    this.#redis.disconnect();
    await this.#pool.end();
  }
}
