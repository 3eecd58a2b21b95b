// One storage suite, two backends: every behaviour here must hold on SQLite and on PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, CryptoError, NotFoundError, PolicyError } from '../../core/index.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, rawDb, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const GOOD2 = 'Yb3%Nc6^Wd1*Qe5(Hf0z';

for (const driver of storageDrivers()) {
  describe(`vault storage on ${driver.name}`, () => {
    let v: TestVault;
    const open = async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault(url ? { postgresUrl: url } : {});
      return v;
    };
    afterEach(async () => v?.close());

    it('stores a password encrypted and reveals it to its owner', async () => {
      await open();
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: '10.0.0.5' });
      await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
      expect((await v.core.accounts.reveal(v.host, 'web01/root')).reveal()).toBe(GOOD);

      const stored = (
        await contextOf(v.core).store.read(async (r) =>
          r.accounts.ofResource((await r.resources.byName('web01'))!.id),
        )
      )[0]!;
      expect(stored.passwordEnc).toMatch(/^c1\.[0-9a-f]{8}\./);
      expect(stored.passwordEnc).not.toContain(GOOD);
    });

    it('keeps the old password in history on change, encrypted, with who/when/where', async () => {
      await open();
      await v.core.resources.create(v.host, { name: 'db1', type: 'postgres', dnsName: 'db1.example' });
      await v.core.accounts.add(v.host, 'db1', 'postgres', pw(GOOD));
      await v.core.accounts.changePassword(v.host, 'db1/postgres', pw(GOOD2));
      expect((await v.core.accounts.reveal(v.host, 'db1/postgres')).reveal()).toBe(GOOD2);
      const history = await v.core.accounts.history(v.host, 'db1/postgres');
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ changedBy: 'host:tester', source: 'test' });
      expect((await v.core.accounts.revealHistory(v.host, 'db1/postgres', history[0]!.id)).reveal()).toBe(
        GOOD,
      );
      // Reuse of a recent password is refused by the Strong policy (history 5).
      await expect(v.core.accounts.changePassword(v.host, 'db1/postgres', pw(GOOD))).rejects.toBeInstanceOf(
        PolicyError,
      );
    });

    it('refuses duplicates with a conflict and leaves the first intact', async () => {
      await open();
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      await expect(v.core.resources.create(v.host, { name: 'web01', type: 'linux' })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
      await expect(v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD2))).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await v.core.accounts.reveal(v.host, 'web01/root')).reveal()).toBe(GOOD);
    });

    it('rolls a failed multi-step write back whole: a policy failure leaves no account and no account.create row', async () => {
      await open();
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      const before = (await v.core.audit.query(v.host, { limit: 1000 })).length;
      await expect(v.core.accounts.add(v.host, 'web01', 'root', pw('short'))).rejects.toBeInstanceOf(
        PolicyError,
      );
      await expect(v.core.accounts.get(v.host, 'web01/root')).rejects.toBeInstanceOf(NotFoundError);
      const after = await v.core.audit.query(v.host, { limit: 1000 });
      expect(after.filter((r) => r.type === 'account.create')).toHaveLength(0);
      // The only new row is the refusal of the lookup that followed.
      expect(after.length).toBe(before + 1);
      expect(after[0]!.type).toBe('authz.denied');
    });

    it('binds each ciphertext to its row: copied into another row it fails to decrypt', async () => {
      await open();
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
      await v.core.accounts.add(v.host, 'web01', 'backup', pw(GOOD2));
      await contextOf(v.core).store.tx(async (r) => {
        const res = (await r.resources.byName('web01'))!;
        const root = (await r.accounts.byName(res.id, 'root'))!;
        const backup = (await r.accounts.byName(res.id, 'backup'))!;
        await r.accounts.updatePassword(backup.id, root.passwordEnc, backup.passwordChangedAt, 'attacker');
      });
      await expect(v.core.accounts.reveal(v.host, 'web01/backup')).rejects.toBeInstanceOf(CryptoError);
      expect((await v.core.accounts.reveal(v.host, 'web01/root')).reveal()).toBe(GOOD);
    });

    it('keeps the audit table append-only at the database level', async () => {
      await open();
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      const db = await rawDb(v);
      try {
        await expect(db('audit_events').update({ actor: 'mallory' })).rejects.toThrow(/append-only/);
        await expect(db('audit_events').where('seq', 1).delete()).rejects.toThrow(/append-only/);
      } finally {
        await db.destroy();
      }
      const report = await v.core.audit.verify(v.host);
      expect(report.ok).toBe(true);
      expect(report.rows).toBeGreaterThanOrEqual(2);
    });

    it('survives a reopen: data, shares and the audit chain persist', async () => {
      await open();
      const alice = await v.addUser('alice', 'password-user');
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
      await v.core.sharing.grant(
        v.host,
        { kind: 'account', name: 'web01/root' },
        { kind: 'user', name: 'alice' },
        'view',
      );
      await v.reopen();
      expect((await v.core.accounts.reveal(alice, 'web01/root')).reveal()).toBe(GOOD);
      expect((await v.core.audit.verify(v.host)).ok).toBe(true);
    });

    it('evaluates criteria groups at the moment of use', async () => {
      await open();
      const bob = await v.addUser('bob', 'password-user');
      await v.core.groups.create(v.host, {
        name: 'web',
        kind: 'criteria',
        criteria: [{ field: 'resource-name', op: 'starts-with', value: 'web' }],
      });
      await v.core.sharing.grant(
        v.host,
        { kind: 'group', name: 'web' },
        { kind: 'user', name: 'bob' },
        'view',
      );
      await v.core.resources.create(v.host, { name: 'web02', type: 'linux' });
      await v.core.accounts.add(v.host, 'web02', 'root', pw(GOOD));
      await v.core.resources.create(v.host, { name: 'db02', type: 'linux' });
      await v.core.accounts.add(v.host, 'db02', 'root', pw(GOOD));
      expect((await v.core.accounts.reveal(bob, 'web02/root')).reveal()).toBe(GOOD);
      await expect(v.core.accounts.reveal(bob, 'db02/root')).rejects.toBeInstanceOf(NotFoundError);
      expect(await v.core.groups.members(v.host, 'web')).toEqual(['web02']);
    });
  });
}
