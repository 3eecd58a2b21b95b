// The contract between the lifecycle and a data path. One data path per kind of session —
// terminal (./terminal.ts), file transfer (./file-transfer.ts), port forward (./forward.ts), and
// a desktop one next to them — each moving bytes its own way between the operator and the target.
import type { LiveRegistration } from '../../../core/index.ts';
import type { PathEnd } from '../events.ts';

/** What the lifecycle hands a data path when it starts it. */
export interface PathContext {
  /** Viewers' live output (a path without a screen publishes nothing). */
  live: Pick<LiveRegistration, 'publish'>;
  /** Traffic in either direction: keeps the idle clock and the live byte counters current. */
  traffic(bytesIn: number, bytesOut: number): void;
  /** The live byte counters only, for traffic that does not keep the session from being idle. */
  counters(bytesIn: number, bytesOut: number): void;
  /** Called once, when both sides are closed and everything owed to the operator is delivered. */
  ended(end: PathEnd): void;
}

export interface DataPath {
  /** Ends the session from the gateway's side, telling the operator `reason`. Idempotent. */
  stop(reason: string): void;
  /** A notice for the operator that does not end the session (best-effort recording failed). */
  warn(text: string): void;
  /** The current screen for a late-joining viewer; empty for kinds without a screen. */
  screen(): Buffer;
  /** That screen's size in character cells (paths with a terminal only). */
  size?(): { cols: number; rows: number };
  readonly bytesIn: number;
  readonly bytesOut: number;
}
