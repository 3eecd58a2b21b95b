// Run only by test/ci/stall-reporter.test.ts: a test that blocks its worker in a synchronous call.
import { execFileSync } from 'node:child_process';
import { it } from 'vitest';

it('blocks its worker', () => {
  execFileSync('sh', ['-c', 'sleep 300', process.env.CUSTODY_STALL_MARK ?? 'custody-stall']);
});
