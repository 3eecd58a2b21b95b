import type net from 'node:net';
import type { Logger } from '../../core/index.ts';

/** Bounds on connections that have not authenticated yet (the `[gateway]` settings of custody.toml). */
export interface DoorLimits {
  /** Pre-auth connections at once from one source address. */
  maxPerSource: number;
  /** Pre-auth connections at once, overall. */
  maxTotal: number;
  /** A connection not authenticated this long after it was accepted is closed. */
  graceMs: number;
}

export const DEFAULT_DOOR_LIMITS: DoorLimits = { maxPerSource: 10, maxTotal: 200, graceMs: 60_000 };

/** One log line per key per interval, however often the event happens; counts the rest. */
export class OncePer {
  readonly #next = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when this key was logged within the interval; else how many were left out since. */
  due(key: string): number | undefined {
    const t = this.now();
    const seen = this.#next.get(key);
    if (seen && seen.at > t) {
      seen.suppressed++;
      return undefined;
    }
    // Bounded: a flood from many addresses must not grow this map without end.
    if (this.#next.size >= 10_000) {
      for (const [k, v] of this.#next) if (v.at <= t) this.#next.delete(k);
      if (this.#next.size >= 10_000) this.#next.clear();
    }
    this.#next.set(key, { at: t + this.intervalMs, suppressed: 0 });
    return seen?.suppressed ?? 0;
  }
}

/** Why the door closed a connection before it logged in (a fixed list: the metrics' label). */
export type DoorRefusal = 'per-source' | 'overall' | 'no-address' | 'grace-time';

interface Waiting {
  source: string;
  timer: NodeJS.Timeout;
}

/**
 * The front door before authentication: counts connections not yet logged in per source address
 * and overall, refuses one beyond either bound by closing it at once (logged once a minute per
 * address), and closes one that has not logged in within the grace time. A connection leaves the
 * count when it authenticates or closes.
 */
export class PreauthDoor {
  readonly #waiting = new Map<string, Waiting>();
  readonly #perSource = new Map<string, number>();
  readonly #refusals = new OncePer(60_000);
  readonly #expiries = new OncePer(60_000);

  constructor(
    private readonly limits: DoorLimits,
    private readonly logger: Logger,
    /** Told of every connection the door closed (the node's metrics); never throws. */
    private readonly onRefused: (why: DoorRefusal) => void = () => undefined,
  ) {}

  get pending(): number {
    return this.#waiting.size;
  }

  /** True when the socket may go on to the SSH handshake; a refused socket is already closed. */
  admit(socket: net.Socket): boolean {
    const source = socket.remoteAddress ?? '';
    const key = peerKey(source, socket.remotePort);
    const fromSource = this.#perSource.get(source) ?? 0;
    const bound =
      fromSource >= this.limits.maxPerSource
        ? 'per-source'
        : this.#waiting.size >= this.limits.maxTotal
          ? 'overall'
          : undefined;
    if (bound || !source) {
      socket.destroy();
      this.onRefused(bound ?? 'no-address');
      const suppressed = this.#refusals.due(source);
      if (suppressed !== undefined)
        this.logger.log('warn', 'ssh connection refused: too many not yet logged in', {
          source,
          bound: bound ?? 'no address',
          limit: bound === 'overall' ? this.limits.maxTotal : this.limits.maxPerSource,
          refusedSinceLastLine: suppressed,
        });
      return false;
    }
    this.#perSource.set(source, fromSource + 1);
    const timer = setTimeout(() => {
      socket.destroy();
      this.onRefused('grace-time');
      const suppressed = this.#expiries.due(source);
      if (suppressed !== undefined)
        this.logger.log('info', 'ssh connection closed: not logged in within the grace time', {
          source,
          graceSeconds: this.limits.graceMs / 1000,
          closedSinceLastLine: suppressed,
        });
    }, this.limits.graceMs);
    timer.unref();
    this.#waiting.set(key, { source, timer });
    socket.once('close', () => this.#leave(key));
    return true;
  }

  /** The connection from `ip`:`port` has logged in: no longer bounded by the door. */
  authenticated(ip: string, port: number): void {
    this.#leave(peerKey(ip, port));
  }

  #leave(key: string): void {
    const w = this.#waiting.get(key);
    if (!w) return;
    clearTimeout(w.timer);
    this.#waiting.delete(key);
    const n = (this.#perSource.get(w.source) ?? 1) - 1;
    if (n > 0) this.#perSource.set(w.source, n);
    else this.#perSource.delete(w.source);
  }
}

function peerKey(ip: string, port: number | undefined): string {
  return `${ip}|${port ?? ''}`;
}
