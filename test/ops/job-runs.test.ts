// Background job runs reach the metrics: each scheduler's timed pass reports its outcome and
// duration, and the daily check counts only the passes that ran it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedRun } from '../../core/metrics/timed-run.ts';
import { parseExposition, sample } from '../support/prometheus.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

describe('job runs', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault();
  });
  afterAll(async () => v?.close());

  it('timedRun reports success, failure, and skips a pass that did nothing when told to', async () => {
    const seen: string[] = [];
    const report = (o: 'success' | 'failure', s: number) => seen.push(`${o}:${s >= 0}`);
    expect(await timedRun(async () => 7, report)).toBe(7);
    await expect(
      timedRun(async () => {
        throw new Error('boom');
      }, report),
    ).rejects.toThrow('boom');
    await timedRun(
      async () => false,
      report,
      (ran) => ran,
    );
    expect(seen).toEqual(['success:true', 'failure:true']);
  });

  it('each scheduler reports to the node’s metrics under its own job name', async () => {
    v.core.accessScheduler.onRun?.('success', 0.02);
    v.core.accessScheduler.onRun?.('failure', 0.5);
    v.core.rotationScheduler.onRun?.('success', 2);
    v.core.dailyEvents.onRun?.('success', 1);
    const f = parseExposition((await v.core.system.metrics.exposition()).body);
    expect(sample(f, 'custody_job_runs_total', { job: 'access-expiry', outcome: 'success' })).toBe(1);
    expect(sample(f, 'custody_job_runs_total', { job: 'access-expiry', outcome: 'failure' })).toBe(1);
    expect(sample(f, 'custody_job_runs_total', { job: 'rotation', outcome: 'success' })).toBe(1);
    expect(sample(f, 'custody_job_runs_total', { job: 'daily-password-check', outcome: 'success' })).toBe(1);
    const hist = f.find((x) => x.name === 'custody_job_duration_seconds');
    expect(hist?.type).toBe('HISTOGRAM');
  });
});
