// Access control through the gateway with the real OpenSSH client and a real sshd: a session on a
// controlled account is refused before check-out, allowed during, refused after check-in, and a
// live session ends with a one-line message when an administrator forces the check-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/index.ts';
import type { RunningGateway } from '../../gateway/index.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { ssh, sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason, type TestUser } from '../support/sshd.ts';
import { USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`access control through the gateway${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let v: TestVault;
  let target: TestUser;
  let gw: RunningGateway;
  let alice: Actor;

  beforeAll(async () => {
    fx = await sshTargetFixture('acroot');
    ({ v, target, gw } = fx);
    const u = (await contextOf(v.core).store.read((r) => r.users.byName('alice')))!;
    alice = { kind: 'user', user: u, name: u.username, source: 'test' };
    await v.core.access.configure(v.host, 'web01', { approvers: ['admin'] });
  }, 60_000);

  afterAll(async () => fx?.close());

  it('refused before check-out, allowed during, refused after check-in; a forced check-in ends the live session', async () => {
    const user = `alice:${target.name}@web01`;
    const before = await ssh(gw.port, user, { password: USER_PASSWORD }, ['echo in']);
    expect(before.code).not.toBe(0);
    expect(before.stderr.trim()).toBe(
      `custody: password 'web01/${target.name}' is under access control: request it first`,
    );

    const req = await v.core.access.request(alice, fx.ref, 'INC-42');
    await v.core.access.approve(v.host, req.id);
    await v.core.access.checkout(alice, fx.ref);
    const during = await ssh(gw.port, user, { password: USER_PASSWORD }, ['echo in-$((40+2))']);
    expect(during.stdout).toBe('in-42\n');
    expect(during.code).toBe(0);

    await v.core.access.checkin(alice, fx.ref);
    const after = await ssh(gw.port, user, { password: USER_PASSWORD }, ['echo in']);
    expect(after.code).not.toBe(0);
    expect(after.stderr.trim()).toMatch(/under access control: request it first/);

    // A live shell, then the administrator forces the check-in.
    const req2 = await v.core.access.request(alice, fx.ref, 'INC-43');
    await v.core.access.approve(v.host, req2.id);
    await v.core.access.checkout(alice, fx.ref);
    const op = sshInteractive(gw.port, user, { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('echo LIVE-$((50+8))\n');
    await op.out.waitFor(/LIVE-58/);
    await v.core.access.checkin(v.host, fx.ref, { force: true });
    const code = await Promise.race([
      op.exited,
      new Promise<number>((_, rej) =>
        setTimeout(
          () => rej(new Error('session did not end: ' + JSON.stringify(op.out.text.slice(-300)))),
          5000,
        ),
      ),
    ]);
    expect(code).not.toBe(0);
    expect(op.out.text).toMatch(
      new RegExp(
        `\\[custody\\] session terminated: checked in: web01/${target.name} was checked in by host:`,
      ),
    );
    const events = (await v.core.audit.query(v.host, { type: 'access.', limit: 50 })).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['access.force-checkin', 'access.session-ended']));
  }, 90_000);
});
