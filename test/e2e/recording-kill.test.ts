// A recording outlives a `kill -9` of the node: the real `custody server` process
// is killed with SIGKILL during a recorded SSH session; its row stays `recording` with 0 bytes
// until the next start, which settles it from the file (bytes, duration from the last event,
// state `interrupted`) and audits `recording.interrupted`; the recording is sealed then and verifies as
// cut short, not tampered.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../core/index.ts';
import { CUSTODY_BIN, custody } from '../support/cli.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { ssh2Shell } from '../support/interactive.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason();

async function startServer(
  home: string,
): Promise<{ child: ChildProcess; port: number; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [CUSTODY_BIN, '--home', home, 'server', '--ssh-port', '0'], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 30_000;
  while (!/ssh listening on/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const m = /^ssh listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
  if (!m) {
    child.kill('SIGKILL');
    throw new Error(`server did not start: ${out}`);
  }
  return { child, port: Number(m[1]), exited };
}

describe.skipIf(!!skip)(`a recording after kill -9 of the server${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  beforeAll(async () => {
    fx = await sshTargetFixture('rkroot');
  }, 60_000);
  afterAll(async () => fx?.close());

  it('is settled at the next start from its file, as interrupted, and audited', async () => {
    const rec = () => contextOf(fx.v.core).store.read((r) => r.recordings.list({ user: 'alice', limit: 10 }));
    const first = await startServer(fx.v.home);
    try {
      const shell = await ssh2Shell(first.port, fx.direct('alice'), USER_PASSWORD);
      shell.write('echo KILL-MARK-$((6*7))\n');
      await shell.out.waitFor(/KILL-MARK-42/);
      // The writer flushes at least every second: wait for the output to be on disk.
      await new Promise((r) => setTimeout(r, 2500));
      first.child.kill('SIGKILL');
      await first.exited;
      shell.close();
    } finally {
      first.child.kill('SIGKILL');
    }
    const [left] = await rec();
    expect(left).toMatchObject({ status: 'recording', bytes: 0, endedAt: null });
    const size = (await stat(fx.v.core.recordings.pathOf(left!))).size;
    expect(size).toBeGreaterThan(0);

    const second = await startServer(fx.v.home);
    try {
      const [settled] = await rec();
      // Sealed as cut short at the start: the manifest is added after the chunks that were on disk.
      const sealedSize = (await stat(fx.v.core.recordings.pathOf(left!))).size;
      expect(sealedSize).toBeGreaterThan(size - 200);
      expect(settled).toMatchObject({ id: left!.id, status: 'interrupted', bytes: sealedSize });
      const [report] = await fx.v.core.recordings.verify(fx.v.host, [left!.id]);
      expect(report).toMatchObject({ status: 'cut-short' });
      expect(report!.reason).toMatch(/^cut short at \d+\.\d s/);
      const verified = await custody(['--home', fx.v.home, 'recordings', 'verify', left!.id]);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/cut-short +cut short at/);
      expect(settled!.events).toBeGreaterThan(0);
      expect(Date.parse(settled!.endedAt!)).toBeGreaterThan(Date.parse(settled!.startedAt));
      const audit = await contextOf(fx.v.core).store.read((r) =>
        r.audit.query({ type: 'recording.interrupted' }),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ code: 'V160', targetName: left!.id });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
