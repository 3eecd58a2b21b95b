// When writing a recording fails mid-session: the strict policy ends the session with a one-line
// message; best-effort warns the operator once and the session goes on. The disk failure is
// simulated by a file handle whose writes start failing (there is no way to fill a disk here).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/index.ts';
import { RecordingStore } from '../../core/recording/recording-store.ts';
import type { RunningGateway } from '../../gateway/index.ts';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason, type TestUser } from '../support/sshd.ts';
import { USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason();

/** A real file handle whose writes fail once `failing.on` is set. */
function failingStore(core: Core, dir: string, failing: { on: boolean }): RecordingStore {
  return new RecordingStore(contextOf(core), dir, {
    openFile: async (p) => {
      const fh = await fs.open(p, 'wx', 0o600);
      const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<unknown>;
      (fh as unknown as { write: (...a: unknown[]) => Promise<unknown> }).write = (...a: unknown[]) =>
        failing.on
          ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
          : write(...a);
      return fh;
    },
  });
}

describe.skipIf(!!skip)(`recording failure policy${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let v: TestVault;
  let target: TestUser;
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    fx = await sshTargetFixture('rfroot');
    ({ v, target } = fx);
  }, 60_000);

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await fx?.close();
  });

  async function session(policy: 'strict' | 'best-effort') {
    const failing = { on: false };
    (v.core as { recordings: RecordingStore }).recordings = failingStore(
      v.core,
      path.join(v.home, 'recordings'),
      failing,
    );
    const gw = await startTestGateway(v, { recordingFailure: policy });
    gateways.push(gw);
    const op = sshInteractive(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    failing.on = true;
    // Enough output to force a flush to the (now failing) file.
    op.child.stdin!.write('head -c 200000 /dev/zero | tr "\\0" x; echo; echo AFTER-FAILURE\n');
    return op;
  }

  it('strict: the session ends with a one-line reason', async () => {
    const op = await session('strict');
    const code = await op.exited;
    expect(op.out.text).toMatch(/\[custody\] session terminated.*recording failed/);
    expect(code).not.toBe(0);
    const rows = await v.core.audit.query(v.host, { type: 'recording.fail' });
    expect(rows.length).toBeGreaterThan(0);
  }, 30_000);

  it('best-effort: the operator is warned once and the session continues', async () => {
    const op = await session('best-effort');
    await op.out.waitFor(/warning: recording failed/, 10_000);
    await op.out.waitFor(/AFTER-FAILURE/, 10_000);
    op.child.stdin!.write('echo STILL-HERE\nexit\n');
    await op.out.waitFor(/STILL-HERE/);
    expect(await op.exited).toBe(0);
    expect(op.out.text.match(/warning: recording failed/g)).toHaveLength(1);
  }, 30_000);
});
