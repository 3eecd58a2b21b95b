// Key rotation writes a whole batch in one compare-and-set statement: every row still holding the
// value that was read takes its new value, a row changed meanwhile keeps the newer one — on
// SQLite and PostgreSQL, for single-column and composite row keys.
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_COLUMNS } from '../../core/storage/repos/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const accounts = SECRET_COLUMNS.find((c) => c.table === 'accounts')!;
const custom = SECRET_COLUMNS.find((c) => c.table === 'custom_values')!;

for (const driver of storageDrivers()) {
  describe(`batched compare-and-set on ${driver.name}`, () => {
    let v: TestVault;
    afterEach(async () => v?.close());

    it('replaces the rows still holding what was read, and leaves a row changed meanwhile alone', async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault(url ? { postgresUrl: url } : {});
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      await v.core.catalog.addField(v.host, 'account', 'Recovery', 'password');
      for (const name of ['a', 'b', 'c'])
        await v.core.accounts.add(v.host, 'web01', name, pw(GOOD), { custom: { Recovery: `rc-${name}` } });
      const store = contextOf(v.core).store;
      const cells = await store.read((r) => r.secrets.all(accounts));
      const customCells = await store.read((r) => r.secrets.all(custom));
      expect(cells).toHaveLength(3);
      expect(customCells).toHaveLength(3);
      // Account "b" changes between the read and the write.
      const changed = cells[1]!;
      await store.tx((r) => r.accounts.updatePassword(changed.rowKey[0]!, 'newer', 'now', 'someone'));
      const n = await store.tx((r) =>
        r.secrets.replaceMany(
          accounts,
          cells.map((c, i) => ({ rowKey: c.rowKey, expected: c.sealed, sealed: `moved-${i}` })),
        ),
      );
      if (driver.name === 'postgres') expect(n).toBe(2);
      const after = new Map(
        (await store.read((r) => r.secrets.all(accounts))).map((c) => [c.rowKey[0], c.sealed]),
      );
      expect(after.get(cells[0]!.rowKey[0])).toBe('moved-0');
      expect(after.get(changed.rowKey[0])).toBe('newer');
      expect(after.get(cells[2]!.rowKey[0])).toBe('moved-2');

      await store.tx((r) =>
        r.secrets.replaceMany(
          custom,
          customCells.map((c) => ({
            rowKey: c.rowKey,
            expected: c.sealed,
            sealed: `m-${c.rowKey.join('|')}`,
          })),
        ),
      );
      for (const c of await store.read((r) => r.secrets.all(custom)))
        expect(c.sealed).toBe(`m-${c.rowKey.join('|')}`);
    });
  });
}
