// A shadow is read-only on the path production takes: an operator's live shell (real OpenSSH
// client, gateway, real sshd) watched from the administrator's console Live screen, which reads
// the session through core.live.shadow → the registry's subscription. Everything the viewer types
// while watching goes nowhere: the target never echoes or runs it, and the session's recording
// holds the operator's input and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsole, KEYS } from '../support/console-harness.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';
import { castTextOf } from '../support/recording-text.ts';

const skip = sshdSkipReason();

/** The asciicast's events of one kind (`i` input, `o` output), joined. */
function castStream(cast: string, code: 'i' | 'o'): string {
  return cast
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => JSON.parse(line) as [number, string, string])
    .filter((e) => e[1] === code)
    .map((e) => e[2])
    .join('');
}

describe.skipIf(!!skip)(`shadow is read-only${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;

  beforeAll(async () => {
    fx = await sshTargetFixture('shadowro');
  }, 60_000);

  afterAll(async () => fx?.close());

  it("the console's shadow shows the session live, and the viewer's keys never reach it", async () => {
    const { v, gw, target } = fx;
    const op = sshInteractive(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('echo BEFORE-$((40+2))\n');
    await op.out.waitFor(/BEFORE-42/);

    const admin = await openConsole(v.core, v.host, { cols: 120, rows: 30 });
    try {
      await admin.showAll();
      // Passwords → Access → Live.
      await admin.press(KEYS.tab);
      await admin.waitFor('My requests');
      await admin.press(KEYS.tab);
      await admin.waitFor(/live sessions? · s shadow/);
      await admin.waitFor(new RegExp(`alice\\s+web01/${target.name}`));
      await admin.press('s');
      // The current screen first (from the registry's subscription), with the read-only notice.
      await admin.waitFor(/BEFORE-42[\s\S]*shadowing alice on web01/);

      // The viewer types a command and Enter, then Ctrl-C and one more: its keys only ever go to
      // the console, which reads nothing but Ctrl-] while shadowing.
      await admin.press(...'echo INJECTED-$((6*7))', KEYS.enter);
      await admin.press(KEYS.ctrlC, 'x', KEYS.enter);

      // The session goes on, watched live: what the operator types next arrives unmixed.
      op.child.stdin!.write('echo AFTER-$((1+1))\n');
      await admin.waitFor(/AFTER-2/);
      await admin.press('\x1d'); // Ctrl-] leaves
      await admin.waitFor(/left the shadow of alice/);
    } finally {
      await admin.close();
    }

    op.child.stdin!.write('exit\n');
    expect(await op.exited).toBe(0);
    // The target never saw the viewer's keys: no echo of them, nothing run.
    expect(op.out.text).not.toContain('INJECTED');
    expect(op.out.text).not.toMatch(/x: command not found/);
    expect(op.out.text).toMatch(/AFTER-2/);

    // The recording: the operator's input, exactly, and no output the viewer caused.
    let [rec] = await v.core.recordings.list(v.host, { limit: 1 });
    for (let i = 0; i < 50 && rec?.status !== 'complete'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      [rec] = await v.core.recordings.list(v.host, { limit: 1 });
    }
    expect(rec?.status).toBe('complete');
    const cast = await castTextOf(v.core.recordings, rec!);
    expect(castStream(cast, 'i')).toBe('echo BEFORE-$((40+2))\necho AFTER-$((1+1))\nexit\n');
    expect(castStream(cast, 'o')).toMatch(/AFTER-2/);
    expect(castStream(cast, 'o')).not.toContain('INJECTED');

    const events = (await v.core.audit.query(v.host, { type: 'session.shadow', limit: 10 })).map(
      (e) => e.type,
    );
    expect(events).toEqual(expect.arrayContaining(['session.shadow-join', 'session.shadow-leave']));
  }, 90_000);
});
