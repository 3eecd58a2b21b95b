// The check-out behind a session ends it at the check-out's own instant: the gateway arms a timer
// from the grant's expiresAt on its injected clock (here a manual one, moved to the millisecond
// before and then to the instant), rather than waiting for the expiry sweep. A forced check-in
// ends the sessions of that check-out only; a session under another check-out goes on.
// Real OpenSSH client, real sshd, the gateway in process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repos } from '../../core/storage/repos/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { ManualTimers, type Actor } from '../../core/index.ts';
import { TARGET_PASSWORD, sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD, pw } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(
  `check-out expiry and check-in through the gateway${skip ? ` (${skip})` : ''}`,
  () => {
    let fx: SshTargetFixture;
    let alice: Actor;
    const timers = new ManualTimers(new Date());
    let ref2: string;

    beforeAll(async () => {
      fx = await sshTargetFixture('expiry', { timers });
      const { v } = fx;
      // A second resource on the same host: a second account, a second check-out for the same user.
      await v.core.resources.create(v.host, {
        name: 'web02',
        type: 'linux',
        dnsName: '127.0.0.1',
        port: fx.sshd.port,
      });
      await v.core.accounts.add(v.host, 'web02', fx.target.name, pw(TARGET_PASSWORD));
      ref2 = `web02/${fx.target.name}`;
      await v.core.sharing.grant(
        v.host,
        { kind: 'account', name: ref2 },
        { kind: 'user', name: 'alice' },
        'view',
      );
      for (const r of ['web01', 'web02'])
        await v.core.access.configure(v.host, r, { approvers: ['admin'], exclusiveHours: 1 });
      const u = (await contextOf(v.core).store.read((r: Repos) => r.users.byName('alice')))!;
      alice = { kind: 'user', user: u, name: u.username, source: 'test' };
    }, 60_000);

    afterAll(async () => fx?.close());

    const checkout = async (ref: string, reason: string) => {
      const req = await fx.v.core.access.request(alice, ref, reason);
      await fx.v.core.access.approve(fx.v.host, req.id);
      return fx.v.core.access.checkout(alice, ref);
    };
    const shell = async (resource: string) => {
      const op = sshInteractive(fx.gw.port, `alice:${fx.target.name}@${resource}`, {
        password: USER_PASSWORD,
      });
      await op.out.waitFor(/\$ $/m, 15_000);
      return op;
    };
    const endRows = async (ref: string) =>
      (await fx.v.core.audit.query(fx.v.host, { type: 'session.end', limit: 50 }))
        .filter((r) => r.targetName === ref)
        .map((r) => JSON.parse(String(r.details)) as Record<string, unknown>);

    it('a check-out expiring at a manual-clock instant ends the live shell at that instant', async () => {
      const view = await checkout(fx.ref, 'INC-7');
      expect(view.expiresAt).not.toBeNull();
      const op = await shell('web01');
      const due = Date.parse(view.expiresAt!) - timers.now().getTime();

      timers.advance(due - 1);
      // A millisecond before: the shell still answers.
      op.child.stdin!.write('echo ALIVE-$((40+2))\n');
      await op.out.waitFor(/ALIVE-42/, 10_000);
      expect(op.out.text).not.toMatch(/session terminated/);

      timers.advance(1);
      expect(await op.exited).not.toBe(0);
      expect(op.out.text).toMatch(
        new RegExp(
          `\\[custody\\] session terminated: checked in: the exclusive use of web01/${fx.target.name} has expired`,
        ),
      );
      const [end] = await endRows(fx.ref);
      expect(end).toMatchObject({ how: 'expired', mode: 'shell' });
      // The recording marks the moment the check-out ended, where a player can jump to it.
      const markers = await fx.v.core.recordingSearch.markers(fx.v.host, String(end!.recording));
      expect(markers.map((m) => m.label)).toEqual(
        expect.arrayContaining([
          'echo ALIVE-$((40+2))',
          `check-out ended: checked in: the exclusive use of web01/${fx.target.name} has expired`,
        ]),
      );
      await fx.v.core.access.checkin(fx.v.host, fx.ref, { force: true }).catch(() => undefined);
    }, 60_000);

    it('a forced check-in ends only the sessions of that check-out', async () => {
      await checkout(fx.ref, 'INC-8');
      await checkout(ref2, 'INC-9');
      const first = await shell('web01');
      const second = await shell('web02');

      await fx.v.core.access.checkin(fx.v.host, fx.ref, { force: true });
      expect(await first.exited).not.toBe(0);
      expect(first.out.text).toMatch(/session terminated: checked in: web01\/\S+ was checked in by host:/);

      // The other check-out's session is untouched and still works.
      second.child.stdin!.write('echo STILL-$((50+8))\n');
      await second.out.waitFor(/STILL-58/, 10_000);
      expect(second.out.text).not.toMatch(/session terminated/);
      second.child.stdin!.write('exit\n');
      expect(await second.exited).toBe(0);
      expect(await endRows(ref2)).toMatchObject([{ how: 'closed', exitCode: 0 }]);
      await fx.v.core.access.checkin(alice, ref2);
    }, 60_000);
  },
);
