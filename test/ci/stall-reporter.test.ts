// The stall reporter turns a worker blocked for good into a failed run that names the file,
// instead of a CI run that hangs to its wall-clock limit.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.join(import.meta.dirname, 'stall-fixture');

describe('stall reporter', () => {
  it('reports a blocked worker with its process tree, then kills it and fails the run', async () => {
    const mark = `custody-stall-${process.pid}`;
    const started = Date.now();
    const result = await run(
      process.execPath,
      [path.resolve('node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.ts'],
      {
        cwd: root,
        env: { ...process.env, CUSTODY_TEST_STALL_MS: '4000', CUSTODY_STALL_MARK: mark, CI: 'true' },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, out: '' }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code,
        out: `${e.stdout}${e.stderr}`,
      }),
    );
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('[stall] no test has finished');
    expect(result.out).toContain('file blocked.stall.ts');
    expect(result.out).toContain(`sh -c sleep 300 ${mark}`);
    expect(result.out).toMatch(/\[stall\] still no progress after \d+ s: killing workers \d+/);
    // Well before the sleep would have ended by itself, and nothing of it is left.
    expect(Date.now() - started).toBeLessThan(45_000);
    const left = execFileSync('ps', ['-e', '-o', 'args='], { encoding: 'utf8' });
    expect(left).not.toContain(mark);
  }, 90_000);
});
