// The Ink console end to end: tmux runs the real OpenSSH client into the gateway. An operator
// finds an account by typing part of its name, connects to a real sshd, runs a command and comes
// back to the console; an administrator shadows and then terminates another user's session; an
// auditor replays it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { consoleStarter } from '../../tui/index.ts';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { CUSTODY_BIN } from '../support/cli.ts';
import { askpassEnv, sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { TmuxSsh, tmuxSkipReason } from '../support/tmux.ts';
import { ADMIN_PASSWORD, USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason() ?? tmuxSkipReason();

describe.skipIf(!!skip)(`console over SSH in tmux${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let gw: RunningGateway;
  const panes: TmuxSsh[] = [];

  beforeAll(async () => {
    fx = await sshTargetFixture('tuiop', { operators: ['alice', 'bob'] });
    await fx.v.addUser('audrey', 'auditor');
    gw = await startTestGateway(fx.v, {}, { startConsole: consoleStarter() });
  }, 60_000);

  afterAll(async () => {
    for (const p of panes) p.kill();
    await gw?.close();
    await fx?.close();
  });

  const open = (user: string, password: string) => {
    const p = TmuxSsh.start(gw.port, user, { password });
    panes.push(p);
    return p;
  };

  it('an operator finds an account by typing, connects to a real sshd, runs a command and returns', async () => {
    const alice = open('alice', USER_PASSWORD);
    await alice.waitFor(/Custody · alice \(password-user\)[\s\S]*Favourites/);
    // No favourites yet: the console opens on All.
    await alice.waitFor(/All · 1 account/);
    // Part of the account name: the Linux user is `<run prefix>tuiop`.
    await alice.type('tuio');
    await alice.waitFor(new RegExp(`Search: tuio[\\s\\S]*› web01/${fx.target.name}`));
    await alice.keys('Enter');
    await alice.waitFor(/Password\s+•+/);
    await alice.keys('c');
    await alice.waitFor(/\$\s*$/m);
    await alice.type('echo TUI-$((6*7))');
    await alice.keys('Enter');
    await alice.waitFor(/^TUI-42$/m);
    await alice.type('exit');
    await alice.keys('Enter');
    const back = await alice.waitFor(new RegExp(`session to web01/${fx.target.name} ended`));
    expect(back).toContain('Custody · alice');
    expect(back).not.toContain('TUI-42');
    await alice.keys('C-c');
    await alice.waitForExit();
  }, 90_000);

  it('an administrator shadows, then terminates, another user’s session; an auditor replays it', async () => {
    const bob = sshInteractive(gw.port, fx.direct('bob'), { password: USER_PASSWORD });
    await bob.out.waitFor(/\$ $/m, 15_000);
    bob.child.stdin!.write('echo BOB-$((40+2))\n');
    await bob.out.waitFor(/BOB-42/);

    const admin = open('admin', ADMIN_PASSWORD);
    await admin.waitFor(/Custody · admin/);
    await admin.keys('Tab', 'Tab');
    await admin.waitFor(new RegExp(`› bob\\s+web01/${fx.target.name}`));
    await admin.keys('s');
    await admin.waitFor(/BOB-42[\s\S]*shadowing bob on web01/);
    bob.child.stdin!.write('echo LIVE-$((50+8))\n');
    await admin.waitFor(/LIVE-58/);
    // Typing in a shadow never reaches the session.
    await admin.type('echo INJECTED');
    await admin.keys('C-]');
    await admin.waitFor(/left the shadow of bob/);
    await admin.keys('k');
    await admin.waitFor(/Reason to terminate bob's session/);
    await admin.type('change window closed');
    await admin.keys('Enter');
    const code = await Promise.race([
      bob.exited,
      new Promise<number>((_, rej) => setTimeout(() => rej(new Error('bob was not terminated')), 5000)),
    ]);
    expect(code).not.toBe(0);
    expect(bob.out.text).toMatch(/terminated by admin: change window closed/);
    expect(bob.out.text).not.toContain('INJECTED');

    const audrey = open('audrey', USER_PASSWORD);
    await audrey.waitFor(/Custody · audrey \(auditor\)/);
    // The auditor's screens: Passwords, Access, Recordings, Audit.
    for (let i = 0; i < 4 && !/› .*bob/.test(audrey.screen()); i++) {
      await audrey.keys('Tab');
      await new Promise((r) => setTimeout(r, 300));
    }
    await audrey.waitFor(new RegExp(`› .*bob\\s+web01/${fx.target.name}`));
    await audrey.keys('Enter');
    const replay = await audrey.waitFor(/LIVE-58/, 20_000);
    expect(replay).toMatch(/BOB-42/);
    await audrey.keys('Escape');
    await audrey.waitFor(/recordings/);
  }, 120_000);

  it('custody console opens the same console through the local node, with its host key pinned', async () => {
    const env = askpassEnv({ password: USER_PASSWORD });
    const pane = TmuxSsh.run(
      [
        process.execPath,
        CUSTODY_BIN,
        'console',
        '--home',
        fx.v.home,
        '--port',
        String(gw.port),
        '--user',
        'alice',
      ],
      { SSH_ASKPASS: env.SSH_ASKPASS!, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
    );
    panes.push(pane);
    const f = await pane.waitFor(/Custody · alice \(password-user\)[\s\S]*Favourites/, 30_000);
    expect(f).not.toMatch(/authenticity of host/);
    await pane.keys('C-c');
    await pane.waitForExit();
  }, 60_000);
});
