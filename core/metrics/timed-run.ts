import { performance } from 'node:perf_hooks';

/** Told of one finished run of a background job: its outcome and how long it took. */
export type RunReport = (outcome: 'success' | 'failure', seconds: number) => void;

/**
 * Runs one pass of a background job and reports it; `counts` says whether a pass that did
 * nothing (the daily check before its hour) is a run. A duration is measured on the monotonic
 * clock: it is how long the work took, not a time of day, so no injected clock is involved.
 */
export async function timedRun<T>(
  run: () => Promise<T>,
  report: RunReport | undefined,
  counts: (result: T) => boolean = () => true,
): Promise<T> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await run();
    if (counts(result)) report?.('success', seconds());
    return result;
  } catch (e) {
    report?.('failure', seconds());
    throw e;
  }
}
