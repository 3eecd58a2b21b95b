// The rotation tables (migration 006) on both backends: tasks, runs and results persist across a
// restart; the claim on an occurrence has exactly one winner; deleting the group takes its tasks.
import { afterEach, describe, expect, it } from 'vitest';
import { ResetEngine, RotationService, resetError, type ResetConnector } from '../../core/index.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

/** A stand-in target: accepts every change except for account `bad`. */
const STAND_IN: ResetConnector = {
  async change(_t, _l, account) {
    if (account.name === 'bad') throw resetError('refused', 'stand-in refused bad');
  },
};

for (const driver of storageDrivers()) {
  describe(`rotation storage on ${driver.name}`, () => {
    let v: TestVault;
    afterEach(async () => v?.close());

    const open = async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault(url ? { postgresUrl: url } : {});
      await v.core.groups.create(v.host, { name: 'webs', kind: 'static' });
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: '127.0.0.1' });
      await v.core.groups.addResource(v.host, 'webs', 'web01');
      for (const a of ['ok1', 'ok2', 'bad'])
        await v.core.accounts.add(v.host, 'web01', a, pw('Zq9#Lm2$Vx7!Rt4&Kp8w'));
    };
    const service = () =>
      new RotationService(
        contextOf(v.core),
        new ResetEngine(contextOf(v.core), { unix: STAND_IN }),
        async () => false,
        {
          notify: async () => undefined,
        },
      );

    it('keeps tasks, runs and per-account results across a restart', async () => {
      await open();
      await service().create(v.host, {
        name: 'nightly',
        group: 'webs',
        schedule: { kind: 'days', everyDays: 3, at: '04:30' },
        notifyBeforeMinutes: 60,
        admin: 'ok1',
        passwordMode: 'common',
      });
      const report = await service().run(v.host, 'nightly');
      expect(report).toMatchObject({ changed: 2, skipped: 0, failed: 1 });
      await v.reopen();
      const [task] = await service().list(v.host);
      expect(task).toMatchObject({
        name: 'nightly',
        group: 'webs',
        schedule: 'every 3 day(s) at 04:30 UTC',
        passwordMode: 'common',
        notifyBeforeMinutes: 60,
        admin: 'ok1',
        lastRun: { changed: 2, skipped: 0, failed: 1 },
      });
      expect(await service().report(v.host, 'nightly')).toEqual(report);
      expect(report.results.find((r) => r.account === 'web01/bad')).toEqual({
        account: 'web01/bad',
        outcome: 'failed',
        reason: 'stand-in refused bad',
      });
    });

    it('one winner when two nodes claim the same occurrence; removing the group removes its tasks', async () => {
      await open();
      await service().create(v.host, {
        name: 't',
        group: 'webs',
        schedule: { kind: 'monthly', monthDay: 1 },
      });
      const t = (await contextOf(v.core).store.read((r) => r.rotation.taskByName('t')))!;
      const claims = await Promise.all(
        [0, 1, 2].map(() =>
          contextOf(v.core).store.tx((r) =>
            r.rotation.claimRun(t.id, t.nextRunAt!, '2099-01-01T00:00:00.000Z'),
          ),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      await v.core.groups.remove(v.host, 'webs');
      expect(await contextOf(v.core).store.read((r) => r.rotation.tasks())).toEqual([]);
    });
  });
}
