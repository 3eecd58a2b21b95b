// The operations wallboard end to end: tmux runs the real OpenSSH client into the gateway with
// the `USER:wallboard` user name. An auditor's board shows a real session to a real sshd appear
// and go, an access request appear, and the sessions-per-minute chart move; at the smallest
// layout (80×24) and a large one (200×60). Anyone else is refused with one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor } from '../../core/index.ts';
import type { RunningGateway } from '../../gateway/index.ts';
import { wallboardStarter } from '../../wallboard/index.ts';
import { sshTargetFixture, startTestGateway, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { contextOf } from '../support/core-internals.ts';
import { askpassEnv, sshInteractive, sshOptions } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { TmuxSsh, tmuxSkipReason } from '../support/tmux.ts';
import { pw, USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason() ?? tmuxSkipReason();

/** The chart panel's rows: from its title to the next panel's top border. */
function chartOf(screen: string): string {
  const lines = screen.split('\n');
  const top = lines.findIndex((l) => l.includes('Sessions / min'));
  const bottom = lines.findIndex((l, i) => i > top && l.includes('Nodes'));
  return lines
    .slice(top, bottom)
    .map((l) => l.slice(0, Math.ceil(l.length / 2)))
    .join('\n');
}

describe.skipIf(!!skip)(`the wallboard over SSH in tmux${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let gw: RunningGateway;
  const panes: TmuxSsh[] = [];

  beforeAll(async () => {
    fx = await sshTargetFixture('wallb', { operators: ['alice'] });
    await fx.v.addUser('audrey', 'auditor');
    // A second resource under access control, for a request that waits for approval.
    await fx.v.core.resources.create(fx.v.host, { name: 'db01', type: 'linux', dnsName: '127.0.0.1' });
    await fx.v.core.accounts.add(fx.v.host, 'db01', 'dba', pw('Tg7#Kp2$Wm9!Lq4&Zx5v'));
    await fx.v.core.sharing.grant(
      fx.v.host,
      { kind: 'account', name: 'db01/dba' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await fx.v.core.access.configure(fx.v.host, 'db01', { approvers: ['admin'] });
    gw = await startTestGateway(fx.v, {}, { startWallboard: wallboardStarter({ refreshMs: 60_000 }) });
  }, 60_000);

  afterAll(async () => {
    for (const p of panes) p.kill();
    await gw?.close();
    await fx?.close();
  });

  const open = (user: string, cols: number, rows: number) => {
    const p = TmuxSsh.start(gw.port, user, { password: USER_PASSWORD }, cols, rows);
    panes.push(p);
    return p;
  };

  it.each([
    [80, 24],
    [200, 60],
  ])(
    'at %i×%i: a live session appears and goes, an approval appears, the chart moves',
    async (cols, rows) => {
      const board = open('audrey:wallboard', cols, rows);
      const first = await board.waitFor(/no live sessions/);
      expect(first).toMatch(/Live sessions/);
      expect(first).toMatch(/single node/);
      const chartBefore = chartOf(first);
      const startsBefore = Number(/Sessions \/ min \(last hour\): (\d+)/.exec(first)?.[1]);

      // The board refreshes from committed changes, not its (here one-minute) timer.
      const alice = sshInteractive(gw.port, fx.direct('alice'), { password: USER_PASSWORD });
      await alice.out.waitFor(/\$ $/m, 15_000);
      // At 80 columns the target is cut to fit its column.
      const during = await board.waitFor(
        cols >= 120 ? new RegExp(`alice → web01/${fx.target.name}`) : /alice → web01\//,
      );
      expect(during).toMatch(/\bssh\b.*\btest\b.*\d\d:\d\d:\d\d/);
      const moved = await board.waitFor(new RegExp(`Sessions / min \\(last hour\\): ${startsBefore + 1}`));
      expect(chartOf(moved)).not.toBe(chartBefore);

      alice.child.stdin!.write('exit\n');
      await board.waitFor(/no live sessions/);

      const req = await fx.v.core.access.request(await aliceActor(), 'db01/dba', `wallboard ${cols}`);
      const withRequest = await board.waitFor(/pending approvals \(1\)/);
      expect(withRequest).toMatch(/db01\/dba\s+alice\s+0m/);
      await fx.v.core.access.reject(fx.v.host, req.id);
      await board.waitFor(/pending approvals \(0\)/);

      // Nothing but quit and focus does anything: Tab moves the focus mark, q quits.
      await board.keys('Tab');
      await board.waitFor(/» Approvals and check-outs/);
      await board.type('q');
      await board.waitForExit();
    },
    90_000,
  );

  it('a password user is refused with one line', async () => {
    // Through a shell that outlives ssh: tmux loses the screen of a program that exits at once.
    const id = { password: USER_PASSWORD };
    const ssh = ['/usr/bin/ssh', '-tt', ...sshOptions(gw.port, id), 'alice:wallboard@127.0.0.1'];
    const env = askpassEnv(id);
    const p = TmuxSsh.run(
      ['/bin/sh', '-c', `${ssh.join(' ')}; echo "ssh exited $?"; sleep 60`],
      { SSH_ASKPASS: env.SSH_ASKPASS!, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      80,
      24,
    );
    panes.push(p);
    const screen = await p.waitFor(/ssh exited \d+/);
    expect(screen).toContain('custody: the wallboard is for auditors and administrators');
    expect(screen).toContain('ssh exited 1');
    expect(screen).not.toContain('Live sessions');
  }, 30_000);

  async function aliceActor() {
    const u = (await contextOf(fx.v.core).store.read((r) => r.users.byName('alice')))!;
    return actorFor(u, 'test');
  }
});
