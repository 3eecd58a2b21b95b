// Shadow and terminate: an operator's live session (real OpenSSH client, real sshd) watched by an
// administrator's second connection — current screen first, then the live stream — and then
// terminated with a reason the operator sees, within one second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers } from '../../core/index.ts';
import type { RunningGateway } from '../../gateway/index.ts';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { ssh2Shell } from '../support/interactive.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason, type TestUser } from '../support/sshd.ts';
import { ADMIN_PASSWORD, USER_PASSWORD, type TestVault } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`shadow and terminate${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let v: TestVault;
  let target: TestUser;
  let gw: RunningGateway;

  beforeAll(async () => {
    fx = await sshTargetFixture('shroot');
    ({ v, target, gw } = fx);
  }, 60_000);

  afterAll(async () => fx?.close());

  it('a late-joining admin sees the current screen, then live output; terminate ends the session within a second', async () => {
    const op = sshInteractive(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('clear; echo BEFORE-$((40+2))\n');
    await op.out.waitFor(/BEFORE-42/);

    const admin = await ssh2Shell(gw.port, 'admin', ADMIN_PASSWORD);
    await admin.out.waitFor(/l for live sessions/);
    admin.write('l\r');
    await admin.out.waitFor(new RegExp(`1  alice → web01/${target.name}`));
    admin.write('w 1\r');
    // The current screen first: the output that was already there when the admin joined.
    await admin.out.waitFor(/watching alice[\s\S]*BEFORE-42/);
    op.child.stdin!.write('echo LIVE-$((50+8))\n');
    await admin.out.waitFor(/LIVE-58/);
    // A shadow is read-only: its keystroke leaves the shadow and never reaches the target.
    admin.write('x');
    await admin.out.waitFor(
      /left the session[\s\S]*w N to watch, t N REASON to terminate, Enter to go back: $/,
    );

    admin.write('t 1 end of change window\r');
    const asked = Date.now();
    const code = await Promise.race([
      op.exited,
      new Promise<number>((_, rej) =>
        setTimeout(
          () => rej(new Error('operator session did not end: ' + JSON.stringify(op.out.text.slice(-300)))),
          5000,
        ),
      ),
    ]);
    const took = Date.now() - asked;
    expect(took).toBeLessThan(1000);
    expect(op.out.text).toMatch(/terminated by admin: end of change window/);
    expect(op.out.text).not.toMatch(/\bx\b.*command not found/);
    expect(code).not.toBe(0);
    admin.close();

    const events = (await v.core.audit.query(v.host, { type: 'session.', limit: 50 })).map((e) => e.type);
    expect(events).toEqual(
      expect.arrayContaining([
        'session.shadow-join',
        'session.shadow-leave',
        'session.terminate',
        'session.end',
      ]),
    );

    // The recording marks each moment, in order, and what was typed is found by search.
    const [rec] = await v.core.recordings.list(v.host, { user: 'alice', limit: 1 });
    const exp = await v.core.recordings.export(v.host, rec!.id);
    let cast = '';
    for await (const chunk of exp.open()) cast += String(chunk);
    const markers = cast
      .split('\n')
      .filter((l) => l.startsWith('['))
      .map((l) => JSON.parse(l) as [number, string, string])
      .filter((e) => e[1] === 'm')
      .map((e) => e[2]);
    // A command's marker is written once its echo has been parsed on the index's screen, which
    // under load can trail a shadow leaving a moment later: the LIVE command is pinned after the
    // join (it was typed after it) and before the terminate, the other moments in their order.
    expect(markers.filter((m) => m !== 'command: echo LIVE-$((50+8))')).toEqual([
      `session start: alice on web01/${target.name}`,
      'command: clear; echo BEFORE-$((40+2))',
      'shadow joined: admin',
      'shadow left: admin',
      'terminated by admin: end of change window',
    ]);
    const live = markers.indexOf('command: echo LIVE-$((50+8))');
    expect(live).toBeGreaterThan(markers.indexOf('shadow joined: admin'));
    expect(live).toBeLessThan(markers.indexOf('terminated by admin: end of change window'));
    const hits = await v.core.recordingSearch.search(v.host, 'echo LIVE');
    expect(hits.find((h) => h.kind === 'command')).toMatchObject({
      recordingId: rec!.id,
      line: 'echo LIVE-$((50+8))',
    });
    expect((await v.core.recordingSearch.search(v.host, 'LIVE 58')).some((h) => h.kind === 'screen')).toBe(
      true,
    );
  }, 60_000);

  it('an idle session is ended with a one-line reason, at the instant the idle time is reached', async () => {
    const idleMs = 15 * 60_000;
    const timers = new ManualTimers(new Date());
    const idleGw = await startTestGateway(v, { idleTimeoutMs: idleMs }, { timers });
    try {
      const op = sshInteractive(idleGw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD });
      await op.out.waitFor(/\$ $/m, 15_000);
      timers.advance(idleMs - 1);
      // A millisecond before the instant the shell still answers (and that traffic restarts the clock).
      op.child.stdin!.write('echo AWAKE-$((40+2))\n');
      await op.out.waitFor(/AWAKE-42/, 10_000);
      expect(op.out.text).not.toMatch(/session terminated/);
      timers.advance(idleMs);
      const code = await op.exited;
      expect(op.out.text).toMatch(/\[custody\] session terminated: idle for 15 minutes/);
      expect(code).not.toBe(0);
    } finally {
      await idleGw.close();
    }
  }, 30_000);
});
