/**
 * What a pass of a run-once job holds: on a single node, the job for good; in a cluster, a lease
 * another node may take over (when this node was paused or cut off past the lease's time to live).
 * A pass with effects outside the database (a password reset on a real target) asks `stillHeld`
 * before each one, so a node that lost its lease changes nothing more.
 */
export interface JobLease {
  /** Aborted once this node learns another node holds the job. */
  readonly signal: AbortSignal;
  /** True while this node still holds the job (in a cluster: reads the lease row). */
  stillHeld(): Promise<boolean>;
  /**
   * The lease's fencing token in a cluster (it grows with every new holder); absent on a single
   * node. A scheduled rotation run records it, so a later holder can tell a run left open by an
   * earlier holder (which stopped before its next reset) from one of its own.
   */
  readonly token?: number;
}

/**
 * Runs one pass of a periodic job, or decides not to. A single node runs every pass (`ungated`);
 * a cluster passes a gate that runs a pass only on the node holding that job's lease, so the
 * rotation, daily-check and access schedulers act once per cluster, not once per node.
 */
export type JobGate = (job: ScheduledJob, pass: (lease: JobLease) => Promise<unknown>) => Promise<unknown>;

/** The run-once jobs: access = voiding requests and expiring check-outs; rotation includes verification. */
export type ScheduledJob = 'access' | 'daily-check' | 'rotation';

/** A single node holds every job for good. */
export const SOLE_HOLDER: JobLease = { signal: new AbortController().signal, stillHeld: async () => true };

export const ungated: JobGate = (_job, pass) => pass(SOLE_HOLDER);
