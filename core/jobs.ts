/**
 * Runs one pass of a periodic job, or decides not to. A single node runs every pass (`ungated`);
 * a cluster passes a gate that runs a pass only on the node holding that job's lease, so the
 * rotation, daily-check and access schedulers act once per cluster, not once per node.
 */
export type JobGate = (job: ScheduledJob, pass: () => Promise<unknown>) => Promise<unknown>;

/** The run-once jobs: access = voiding requests and expiring check-outs; rotation includes verification. */
export type ScheduledJob = 'access' | 'daily-check' | 'rotation';

export const ungated: JobGate = (_job, pass) => pass();
