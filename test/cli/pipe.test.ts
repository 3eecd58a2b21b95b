// `custody … | head -1`: a reader that goes away ends the command quietly, status
// 0, with no `write EPIPE` stack trace. A real shell pipe into the real `head`.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTODY_BIN } from '../support/cli.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

describe('custody output into a closed pipe', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault();
    // Enough audit rows that `audit list --json` is several pipe buffers (64 KiB) long.
    for (let i = 0; i < 400; i++)
      await v.core.resources.create(v.host, { name: `pipe-${i}`, type: 'linux', dnsName: '198.18.0.1' });
    await v.reopen();
  }, 120_000);
  afterAll(async () => v?.close());

  it('audit list | head -1 exits 0 without an EPIPE error', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/bin/bash',
        [
          '-o',
          'pipefail',
          '-c',
          `'${process.execPath}' '${CUSTODY_BIN}' --home '${v.home}' audit list --limit 1000 --json | head -1`,
        ],
        { timeout: 60_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.stdout).toBe('[\n');
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 90_000);
});
