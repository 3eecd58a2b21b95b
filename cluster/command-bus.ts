import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Clock, IdGenerator, Logger, Timers } from '../core/index.ts';

/**
 * A command for the node that owns a session, as its durable row holds it: end the session, or
 * note in its recording that a viewer on another node joined or left.
 */
export type ClusterCommand = { id: string; sessionId: string } & (
  | { kind: 'terminate'; args: { reason: string; by: string } }
  | { kind: 'viewer'; args: { event: 'join' | 'leave'; by: string } }
);

const KINDS: readonly string[] = ['terminate', 'viewer'];

const GROUP = 'custody';
/** Commands are tiny and acted on at once: a stream of this many entries is ample history. */
const STREAM_MAXLEN = 10_000;
/** How long one blocking read waits before it looks again (and notices a close). */
const BLOCK_MS = 2_000;
/** Pause after a failed read (Redis away) before trying again. */
const RETRY_MS = 200;

const CLOSED = Symbol('closed');

export const commandStreamKey = (node: string): string => `custody:cmd:${node}`;

/**
 * The command bus to the node that owns a session. The row in `cluster_commands` is the record;
 * the Redis stream entry (one stream per node, read through a consumer group) only wakes the
 * owner at once. Delivery is at least once — the stream, the fallback sweep of rows and a Redis
 * restart can all hand the same command over again — so the owner claims a row by setting
 * `done_at` where it is still empty, and acts only when that claim succeeded: exactly once.
 */
export class CommandBus {
  #reader: Redis | null = null;
  #closed = false;
  #loop: Promise<void> | null = null;
  #cancelSweep: (() => void) | null = null;
  #endPause: (() => void) | null = null;
  /** Settles when close() is called: no wait on Redis outlives it (see #untilClosed). */
  #closing: Promise<typeof CLOSED>;
  #signalClosed!: () => void;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      redis: Redis;
      node: string;
      clock: Clock;
      timers: Timers;
      ids: IdGenerator;
      logger: Logger;
      /** How often rows are swept without a stream entry (Redis down when it was sent). */
      sweepMs: number;
      /** Called once per command this node claimed. */
      onCommand: (command: ClusterCommand) => void;
    },
  ) {
    this.#closing = new Promise((resolve) => (this.#signalClosed = () => resolve(CLOSED)));
  }

  /** Records the command, then wakes the owner; a Redis failure leaves the row for its sweep. */
  async send(
    targetNode: string,
    sessionId: string,
    kind: ClusterCommand['kind'],
    args: ClusterCommand['args'],
  ): Promise<string> {
    const id = this.deps.ids.next();
    await this.deps.pool.query(
      `INSERT INTO cluster_commands (id, session_id, target_node, kind, args, requested_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, sessionId, targetNode, kind, JSON.stringify(args), args.by, this.deps.clock.now().toISOString()],
    );
    try {
      await this.deps.redis.xadd(commandStreamKey(targetNode), 'MAXLEN', '~', STREAM_MAXLEN, '*', 'id', id);
    } catch (e) {
      this.deps.logger.log('warn', 'cluster command not streamed; the owner will find its row', {
        command: id,
        node: targetNode,
        error: (e as Error).message,
      });
    }
    return id;
  }

  /** Starts reading this node's stream and sweeping its rows. */
  async start(): Promise<void> {
    this.#reader = this.deps.redis.duplicate();
    // After Redis comes back (empty, if it restarted) the group is made again and the rows are
    // swept: whatever was sent while it was away is delivered now.
    this.#reader.on('ready', () => void this.resync());
    this.#reader.on('error', () => undefined);
    await this.resync();
    this.#loop = this.#read();
    this.#scheduleSweep();
  }

  /** Re-creates the consumer group and delivers every row still waiting for this node. */
  async resync(): Promise<void> {
    if (this.#closed) return;
    await this.#ensureGroup().catch(() => undefined);
    await this.sweep().catch((e: Error) =>
      this.deps.logger.log('warn', 'cluster command sweep failed', { error: e.message }),
    );
  }

  /** Claims and delivers every command row for this node not yet done. */
  async sweep(): Promise<void> {
    const { rows } = await this.deps.pool.query<{ id: string }>(
      `SELECT id FROM cluster_commands WHERE target_node = $1 AND done_at IS NULL ORDER BY created_at, id`,
      [this.deps.node],
    );
    for (const r of rows) await this.#claim(r.id);
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#cancelSweep = this.deps.timers.after(this.deps.sweepMs, () => {
      void this.sweep()
        .catch(() => undefined)
        .finally(() => this.#scheduleSweep());
    });
  }

  async #ensureGroup(): Promise<void> {
    try {
      await this.#reader!.xgroup('CREATE', commandStreamKey(this.deps.node), GROUP, '$', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
  }

  async #claim(id: string): Promise<void> {
    const { rows } = await this.deps.pool.query<{ session_id: string; kind: string; args: string }>(
      `UPDATE cluster_commands SET done_at = $3
       WHERE id = $1 AND target_node = $2 AND done_at IS NULL
       RETURNING session_id, kind, args`,
      [id, this.deps.node, this.deps.clock.now().toISOString()],
    );
    const row = rows[0];
    if (!row || !KINDS.includes(row.kind)) return;
    this.deps.onCommand({
      id,
      sessionId: row.session_id,
      kind: row.kind,
      args: JSON.parse(row.args) as unknown,
    } as ClusterCommand);
  }

  async #read(): Promise<void> {
    const key = commandStreamKey(this.deps.node);
    while (!this.#closed) {
      let reply: unknown;
      try {
        reply = await this.#untilClosed(
          this.#reader!.xreadgroup(
            'GROUP',
            GROUP,
            this.deps.node,
            'COUNT',
            50,
            'BLOCK',
            BLOCK_MS,
            'STREAMS',
            key,
            '>',
          ),
        );
        if (reply === CLOSED) return;
      } catch (e) {
        if (this.#closed) return;
        // The group is gone when Redis restarted empty: make it again and carry on.
        if (String((e as Error).message).includes('NOGROUP'))
          await this.#untilClosed(this.#ensureGroup()).catch(() => undefined);
        else await this.#pause(RETRY_MS);
        continue;
      }
      const streams = (reply ?? []) as [string, [string, string[]][]][];
      for (const [, entries] of streams) {
        for (const [entryId, fields] of entries) {
          const at = fields.indexOf('id');
          const commandId = at >= 0 ? fields[at + 1] : undefined;
          try {
            if (commandId) await this.#claim(commandId);
            if ((await this.#untilClosed(this.#reader!.xack(key, GROUP, entryId))) === CLOSED) return;
          } catch (e) {
            // Not acknowledged: the row stays undone and the sweep delivers it.
            this.deps.logger.log('warn', 'cluster command not handled yet', { error: (e as Error).message });
          }
        }
      }
    }
  }

  /**
   * A Redis reply, or CLOSED as soon as close() is called. ioredis never settles a command that was
   * in flight when the connection dropped if the client is disconnected while it waits to
   * reconnect (the command sits in a queue only a successful reconnect drains), so awaiting the
   * reply alone would keep close() waiting forever whenever Redis is down at that moment.
   */
  #untilClosed<T>(reply: Promise<T>): Promise<T | typeof CLOSED> {
    reply.catch(() => undefined); // a late rejection, after close, is not an unhandled one
    return Promise.race([reply, this.#closing]);
  }

  /** Waits before the next read after a failure; close() ends the wait at once. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const cancel = this.deps.timers.after(ms, () => {
        this.#endPause = null;
        resolve();
      });
      this.#endPause = () => {
        cancel();
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#signalClosed();
    this.#endPause?.();
    this.#cancelSweep?.();
    this.#reader?.disconnect();
    await this.#loop?.catch(() => undefined);
  }
}
