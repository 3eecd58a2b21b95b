// The audit chain: append-only at the database level, and `verify` names the first bad row when
// someone with database access edits, deletes or reorders rows anyway (after dropping the guard).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { AUDIT_EVENTS } from '../../core/index.ts';
import { rewriteWithSha256 } from '../support/audit-tamper.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, rawDb, type TestVault } from '../support/vault.ts';

it('every audit event type has a stable, unique code', () => {
  const codes = Object.values(AUDIT_EVENTS);
  expect(codes.every((c) => /^[A-Z]\d{3}$/.test(c))).toBe(true);
  expect(new Set(codes).size).toBe(codes.length);
  expect(Object.keys(AUDIT_EVENTS).every((t) => /^[a-z-]+\.[a-z-]+$/.test(t))).toBe(true);
});

async function dropGuards(db: Knex, driver: string): Promise<void> {
  if (driver === 'postgres') await db.raw('DROP TRIGGER audit_events_no_update ON audit_events');
  else {
    await db.raw('DROP TRIGGER audit_events_no_update');
    await db.raw('DROP TRIGGER audit_events_no_delete');
  }
}

for (const driver of storageDrivers()) {
  describe(`audit chain on ${driver.name}`, () => {
    let v: TestVault;
    let db: Knex;

    beforeEach(async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault(url ? { postgresUrl: url } : {});
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
      for (const a of ['a1', 'a2', 'a3', 'a4'])
        await v.core.accounts.add(v.host, 'web01', a, pw('Zq9#Lm2$Vx7!Rt4&Kp8w'));
      db = await rawDb(v);
      await dropGuards(db, driver.name);
    });
    afterEach(async () => {
      await db.destroy();
      await v.close();
    });

    it('an untouched chain verifies', async () => {
      const r = await v.core.audit.verify(v.host);
      expect(r).toMatchObject({ ok: true });
      expect(r.rows).toBeGreaterThanOrEqual(6);
    });

    it('an edited row is named', async () => {
      await db('audit_events').where('seq', 4).update({ actor: 'somebody-else' });
      const r = await v.core.audit.verify(v.host);
      expect(r.ok).toBe(false);
      expect(r.firstBad).toMatchObject({ seq: 4 });
      expect(r.firstBad!.reason).toMatch(/edited/);
    });

    it('the forgery the keyed chain defeats — edit a row, recompute the SHA-256 chain and the head — names that row', async () => {
      const last = await rewriteWithSha256(db, 3, { actor: 'mallory' });
      // The forged chain is self-consistent under the old unkeyed rule: the attack is complete.
      expect(last).toBeGreaterThan(3);
      const r = await v.core.audit.verify(v.host);
      expect(r.ok).toBe(false);
      expect(r.firstBad!.seq).toBe(3);
      expect(r.firstBad!.reason).toMatch(
        /does not match its hash \(edited, or rehashed without the audit key\)/,
      );
    });

    it('a deleted row is named', async () => {
      await db('audit_events').where('seq', 3).delete();
      const r = await v.core.audit.verify(v.host);
      expect(r.ok).toBe(false);
      expect(r.firstBad!.seq).toBe(4);
      expect(r.firstBad!.reason).toMatch(/row 3 is missing/);
    });

    it('deleting the newest rows is caught by the chain head', async () => {
      const last = Number((await db('audit_events').max({ m: 'seq' }).first())!.m);
      await db('audit_events').where('seq', last).delete();
      const r = await v.core.audit.verify(v.host);
      expect(r.ok).toBe(false);
      expect(r.firstBad!.seq).toBe(last);
    });

    it('two reordered rows are named', async () => {
      await db.transaction(async (t) => {
        await t('audit_events').where('seq', 3).update({ seq: -3 });
        await t('audit_events').where('seq', 4).update({ seq: 3 });
        await t('audit_events').where('seq', -3).update({ seq: 4 });
      });
      const r = await v.core.audit.verify(v.host);
      expect(r.ok).toBe(false);
      expect(r.firstBad!.seq).toBe(3);
    });
  });
}
