// Under the strict recording policy, a burst of output must not reach the operator
// ahead of the recording. The recordings live on a small real tmpfs that fills up during
// `seq 1 400000` (about 2.7 MB of output, more as a cast): the operator must never have received
// more than the recording file holds when the session ends.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingStore } from '../../core/recording/recording-store.ts';
import type { RunningGateway } from '../../gateway/index.ts';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';
import { castTextOf } from '../support/recording-text.ts';

function tmpfsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  return undefined;
}
const skip = sshdSkipReason() ?? tmpfsSkipReason();

/** The target output a cast holds: its complete `o` lines (a line cut by the full disk is not). */
function recordedOutput(cast: string): string {
  const lines = cast.split('\n').slice(1);
  let out = '';
  for (const line of lines) {
    try {
      const [, code, data] = JSON.parse(line) as [number, string, string];
      if (code === 'o') out += data;
    } catch {
      // the last line, cut short by the full disk
    }
  }
  return out;
}

const highestNumber = (text: string) =>
  Math.max(0, ...[...text.matchAll(/^(\d+)\r?$/gm)].map((m) => Number(m[1])));

describe.skipIf(!!skip)(`strict recording policy on a full disk${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let mnt: string;
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    fx = await sshTargetFixture('rsburst');
    mnt = mkdtempSync(path.join(os.tmpdir(), 'custody-fulldisk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]);
  }, 60_000);

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await fx?.close();
    if (mnt) {
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('the operator never receives more output than the recording holds (real tmpfs, 1 MiB)', async () => {
    const { v, target } = fx;
    (v.core as { recordings: RecordingStore }).recordings = new RecordingStore(contextOf(v.core), mnt);
    const gw = await startTestGateway(v, { recordingFailure: 'strict' });
    gateways.push(gw);
    const op = sshInteractive(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('seq 1 400000\n');
    const code = await op.exited;
    expect(code).not.toBe(0);
    expect(op.out.text).toMatch(/\[custody\] session terminated.*recording failed/);

    const [row] = await v.core.recordings.list(v.host, { limit: 1 });
    expect(row?.status).toBe('failed');
    const recorded = recordedOutput(await castTextOf(v.core.recordings, row!));
    const received = op.out.text.slice(0, op.out.text.indexOf('\r\n[custody] session terminated'));
    // The disk filled during the burst, not before it.
    expect(highestNumber(recorded)).toBeGreaterThan(1000);
    expect(highestNumber(recorded)).toBeLessThan(400000);
    // What the operator saw is all in the recording: no line past the recording's last one, and
    // no more bytes than it holds (the chunk whose write failed was not delivered).
    expect(highestNumber(received)).toBeLessThanOrEqual(highestNumber(recorded));
    expect(Buffer.byteLength(received)).toBeLessThanOrEqual(Buffer.byteLength(recorded));
  }, 60_000);
});
