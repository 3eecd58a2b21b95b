// What a recording says about itself while and after it is written: the header names
// the terminal type the real OpenSSH client asked for, and a recording still being written lists
// the bytes recorded so far (what `custody recordings list` and the console's Recordings screen
// show), not 0.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { askpassEnv, sshOptions } from '../support/openssh-client.ts';
import { interactiveSsh } from '../support/interactive.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';
import { castTextOf } from '../support/recording-text.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`live recordings${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;

  beforeAll(async () => {
    fx = await sshTargetFixture('reclive');
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it("records the client's TERM (vt100) and lists a live recording's bytes so far", async () => {
    const { v, gw, target } = fx;
    const id = { password: USER_PASSWORD };
    const op = interactiveSsh([...sshOptions(gw.port, id), `alice:${target.name}@web01@127.0.0.1`], {
      ...askpassEnv(id),
      TERM: 'vt100',
    });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write(
      // The quotes keep the echoed command line itself from matching what the test waits for.
      'echo "term is" "$TERM"; head -c 30000 /dev/zero | tr "\\0" y; echo; echo LIVE-"DONE"\n',
    );
    await op.out.waitFor(/LIVE-DONE\r?\n/, 15_000);
    expect(op.out.text).toMatch(/term is vt100/);

    // Within the 1 s flush interval (and at once under the strict policy) the file has it.
    await new Promise((r) => setTimeout(r, 1200));
    const [live] = await v.core.recordings.list(v.host, { limit: 1 });
    expect(live?.status).toBe('recording');
    expect(live!.bytes).toBeGreaterThan(30_000);
    expect(live!.bytes).toBe(readFileSync(v.core.recordings.pathOf(live!)).length);
    const cast = await castTextOf(v.core.recordings, live!);
    const header = JSON.parse(cast.split('\n')[0]!) as { env: Record<string, string> };
    expect(header.env).toEqual({ TERM: 'vt100' });

    op.child.stdin!.write('exit\n');
    expect(await op.exited).toBe(0);
    // Once closed, the row's own figure (the whole file).
    await new Promise((r) => setTimeout(r, 200));
    const [done] = await v.core.recordings.list(v.host, { limit: 1 });
    expect(done?.status).toBe('complete');
    expect(done!.bytes).toBe(readFileSync(v.core.recordings.pathOf(done!)).length);
  }, 60_000);
});
