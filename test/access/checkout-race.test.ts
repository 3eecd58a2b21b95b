// Exclusive check-out under concurrency: the hold is one conditional write (a row keyed by the
// account), so concurrent attempts have exactly one winner, on SQLite and on PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const REF = 'web01/root';

for (const driver of storageDrivers()) {
  describe(`check-out race on ${driver.name}`, () => {
    let v: TestVault | undefined;
    afterEach(async () => v?.close());

    it('two concurrent check-out attempts: exactly one wins', async () => {
      const url = await driver.freshDatabase();
      const clock = new ManualClock('2026-03-02T10:00:00Z');
      v = await createTestVault(url ? { postgresUrl: url, clock } : { clock });
      const users = [];
      for (const name of ['alice', 'bob', 'carol', 'dave']) {
        users.push(await v.addUser(name, 'password-user'));
      }
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
      await v.core.accounts.add(v.host, 'web01', 'root', pw('Zq9#Lm2$Vx7!Rt4&Kp8w'));
      for (const u of users)
        await v.core.sharing.grant(
          v.host,
          { kind: 'resource', name: 'web01' },
          { kind: 'user', name: u.name },
          'view',
        );
      await v.core.access.configure(v.host, 'web01', { approvers: ['admin'], autoApprove: 'always' });

      for (let round = 0; round < 3; round++) {
        for (const u of users) await v.core.access.request(u, REF, `round ${round}`);
        const results = await Promise.allSettled(users.map((u) => v!.core.access.checkout(u, REF)));
        const winners = results.filter((r) => r.status === 'fulfilled');
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers.map((l) => (l.reason as { code?: string }).code)).toEqual([
          'E_CONFLICT',
          'E_CONFLICT',
          'E_CONFLICT',
        ]);
        const winner = users[results.findIndex((r) => r.status === 'fulfilled')]!;
        const holds = await contextOf(v.core).store.read(async (r) =>
          r.access.hold((await r.accounts.byName((await r.resources.byName('web01'))!.id, 'root'))!.id),
        );
        expect(holds?.userId).toBe(winner.user.id);
        // Everyone gives up (the loser's approved request is cancelled) before the next round.
        for (const u of users) await v.core.access.checkin(u, REF);
      }
    }, 60_000);
  });
}
