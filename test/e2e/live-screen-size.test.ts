// A live session's picture carries its terminal's size on the path production takes (a real
// sshd behind the gateway, the operator's pty of 100×30): the web live view sizes its terminal
// by it instead of guessing 80×24.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { ssh2Shell } from '../support/interactive.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`live screen size${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  beforeAll(async () => {
    fx = await sshTargetFixture('livesize');
  }, 60_000);
  afterAll(async () => fx?.close());

  it("a shadow's first picture has the operator's terminal size", async () => {
    const { v, gw, target } = fx;
    const op = await ssh2Shell(gw.port, `alice:${target.name}@web01`, USER_PASSWORD);
    try {
      await op.out.waitFor(/\$ $/m, 15_000);
      const me = v.core.as(v.host);
      const [session] = await me.live.list();
      const shadow = await me.live.shadow(session!.id);
      const first = await shadow[Symbol.asyncIterator]().next();
      await shadow.leave();
      expect(first.value).toMatchObject({ type: 'screen', size: { cols: 100, rows: 30 } });
    } finally {
      op.close();
    }
    // The session ends (and writes its last audit rows) before the fixture closes the vault.
    for (let i = 0; i < 100 && (await v.core.as(v.host).live.list()).length; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await v.core.as(v.host).live.list()).toEqual([]);
  }, 60_000);
});
