// Exec output that is not text is recorded losslessly and compactly: 32 MiB of /dev/urandom sent
// through the gateway by the real OpenSSH client, exported with `--format raw`, has the sha256 of
// what the target sent, and the recording on disk is at most 1.1 times that size.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { askpassEnv, sshOptions } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();
const BYTES = 32 * 1024 * 1024;

describe.skipIf(!!skip)(`binary exec output${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let out: string;
  beforeAll(async () => {
    fx = await sshTargetFixture('rbroot');
    out = await mkdtemp(path.join(os.tmpdir(), 'custody-binary-'));
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('`head -c 32M /dev/urandom` exports with --format raw to the same sha256, recorded at <= 1.1x', async () => {
    const id = { password: USER_PASSWORD };
    const received = createHash('sha256');
    let receivedBytes = 0;
    const child = spawn(
      '/usr/bin/ssh',
      [
        ...sshOptions(fx.gw.port, id),
        `${fx.direct('alice')}@127.0.0.1`,
        `head -c ${BYTES} /dev/urandom | tee sent.bin`,
      ],
      { env: askpassEnv(id), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (d: Buffer) => {
      received.update(d);
      receivedBytes += d.length;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(receivedBytes).toBe(BYTES);
    const sent = createHash('sha256')
      .update(readFileSync(path.join(fx.target.home, 'sent.bin')))
      .digest('hex');
    expect(received.digest('hex')).toBe(sent);

    const [row] = await fx.v.core.recordings.list(fx.v.host, { limit: 1 });
    expect(row).toMatchObject({ status: 'complete' });
    const size = statSync(fx.v.core.recordings.pathOf(row!)).size;
    expect(size).toBeLessThanOrEqual(BYTES * 1.1);
    console.log(`32 MiB of random output recorded in ${size} bytes (${(size / BYTES).toFixed(4)}x)`);

    const file = path.join(out, 'raw.bin');
    const r = await custody(
      ['--home', fx.v.home, 'recordings', 'export', row!.id, '--format', 'raw', '--output', file],
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    ).toBe(sent);
    const v = await custody(['--home', fx.v.home, 'recordings', 'verify', row!.id]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/intact/);
  }, 180_000);
});
