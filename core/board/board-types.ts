import type { LiveSessionInfo } from '../live/live-registry.ts';

/** One access request on the board (pending approval, or a check-out about to expire). */
export interface BoardRequest {
  id: string;
  account: string;
  requester: string;
  /** When it was asked for (pending) or when the check-out ends (expiring), ISO. */
  at: string;
}

export interface BoardNode {
  name: string;
  sessions: number;
  /** `this node` today: a single node answers for itself; a cluster will report heartbeats. */
  state: string;
}

/** What the recordings volume holds and how long it lasts at the recent write rate. */
export interface BoardDisk {
  usedBytes: number;
  totalBytes: number;
  /** Recording bytes a day, averaged over the last week. */
  bytesPerDay: number;
  /** null when nothing was recorded lately (no rate to extrapolate). */
  daysLeft: number | null;
}

/** Resets and verifications of the last 24 hours: the nightly runs and anything since. */
export interface BoardOvernight {
  changed: number;
  failed: number;
  inSync: number;
  outOfSync: number;
  unreachable: number;
}

export interface BoardAuditLine {
  at: string;
  type: string;
  actor: string;
  target: string;
  result: string;
}

/** Everything the operations wallboard shows, read in one go. */
export interface BoardSnapshot {
  at: string;
  clustered: boolean;
  nodes: BoardNode[];
  live: LiveSessionInfo[];
  pending: BoardRequest[];
  expiring: BoardRequest[];
  /** Sessions started in each of the last 60 minutes, oldest first. */
  startsPerMinute: number[];
  overnight: BoardOvernight;
  disk: BoardDisk | null;
  audit: BoardAuditLine[];
}
