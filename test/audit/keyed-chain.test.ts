// The keyed audit chain (an HMAC chain under the key file's audit key): the upgrade of an unkeyed
// chain at open, what the keyed row seals, the audit key surviving `key rotate`, a key file without
// it refused once the chain is keyed, and checkpoints exported off the database catching truncation
// with the head.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CustodyError, openCore } from '../../core/index.ts';
import { rewriteWithSha256 } from '../support/audit-tamper.ts';
import { createTestVault, pw, rawDb, type TestVault } from '../support/vault.ts';

let v: TestVault;
let db: Knex;
const keyFile = () => path.join(v.home, 'keys', 'custody.key');
const readKey = async () => JSON.parse(await readFile(keyFile(), 'utf8')) as Record<string, unknown>;

async function dropGuards(): Promise<void> {
  await db.raw('DROP TRIGGER audit_events_no_update');
  await db.raw('DROP TRIGGER audit_events_no_delete');
}

beforeEach(async () => {
  v = await createTestVault();
  await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
  for (const a of ['a1', 'a2', 'a3'])
    await v.core.accounts.add(v.host, 'web01', a, pw('Zq9#Lm2$Vx7!Rt4&Kp8w'));
  db = await rawDb(v);
});
afterEach(async () => {
  await db.destroy();
  await v.close();
});

it('a new vault is keyed from its first row, and the key lives in the key file, not the database', async () => {
  const key = (await readKey()).audit as { material: string; fromSeq: number };
  expect(key.fromSeq).toBe(1);
  expect(Buffer.from(key.material, 'base64')).toHaveLength(32);
  const r = await v.core.audit.verify(v.host);
  expect(r).toMatchObject({ ok: true, keyedFrom: 1 });
  const dump =
    JSON.stringify(await db('audit_events').select()) + JSON.stringify(await db('audit_head').select());
  expect(dump).not.toContain(key.material);
});

describe('an unkeyed chain (a key file from before the chain was keyed)', () => {
  let legacyRows: number;
  beforeEach(async () => {
    // Rebuild what an old home looks like: every row SHA-256 chained, the key file without an audit key.
    await v.core.close();
    const { audit: _a, ...old } = await readKey();
    await writeFile(keyFile(), JSON.stringify(old));
    await dropGuards();
    legacyRows = await rewriteWithSha256(db, 1, {});
    await v.reopen();
  });

  it('is upgraded at open: an audit key is added and the upgrade is audited as audit.keyed (L160)', async () => {
    const key = (await readKey()).audit as { fromSeq: number };
    expect(key.fromSeq).toBe(legacyRows + 1);
    const row = await db('audit_events')
      .where('seq', legacyRows + 1)
      .first();
    expect(row).toMatchObject({ type: 'audit.keyed', code: 'L160' });
    expect(JSON.parse(row.details)).toMatchObject({
      fromSeq: legacyRows + 1,
      legacyRows,
      legacyIntact: true,
    });
    expect(await v.core.audit.verify(v.host)).toMatchObject({ ok: true, keyedFrom: legacyRows + 1 });
    // Reopening does not upgrade again.
    await v.reopen();
    expect(await db('audit_events').where('type', 'audit.keyed').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('a legacy row rewritten with its whole SHA-256 chain is caught at the first keyed row', async () => {
    await rewriteWithSha256(db, 2, { actor: 'mallory' });
    const r = await v.core.audit.verify(v.host);
    expect(r.ok).toBe(false);
    expect(r.firstBad!.seq).toBe(legacyRows + 1);
  });
});

it('the audit key survives `key rotate` unchanged, and the chain still verifies', async () => {
  const before = (await readKey()).audit;
  await v.core.keys.rotate(v.host, keyFile());
  const after = await readKey();
  expect(after.audit).toEqual(before);
  expect(after.rotatingTo).toBeUndefined();
  await v.reopen();
  expect(await v.core.audit.verify(v.host)).toMatchObject({ ok: true });
});

it('once the chain is keyed, a key file without the audit key is refused (E_KEY), not given a new key', async () => {
  await v.core.close();
  await writeFile(keyFile(), JSON.stringify({ ...(await readKey()), audit: undefined }));
  // Make the chain look upgraded (an audit.keyed row exists) — what a second node would see.
  await dropGuards();
  await db('audit_events').where('seq', 2).update({ type: 'audit.keyed' });
  const e = await openCore({ home: v.home }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CustodyError);
  expect((e as CustodyError).code).toBe('E_KEY');
  expect((await readKey()).audit).toBeUndefined();
  await v.reopen().catch(() => undefined);
});

describe('checkpoints', () => {
  it('a checkpoint holds for an untouched chain and for rows appended after it', async () => {
    const cp = await v.core.audit.checkpoint(v.host);
    await v.core.accounts.add(v.host, 'web01', 'a4', pw('Zq9#Lm2$Vx7!Rt4&Kp8w'));
    expect(await v.core.audit.verify(v.host, { checkpoint: cp })).toMatchObject({
      ok: true,
      checkpoint: { seq: cp.seq },
    });
  });

  it('deleting the newest rows together with the head passes the chain alone but not the checkpoint', async () => {
    const cp = await v.core.audit.checkpoint(v.host);
    await dropGuards();
    const keep = cp.seq - 2;
    const kept = await db('audit_events').where('seq', keep).first();
    await db('audit_events').where('seq', '>', keep).delete();
    await db('audit_head').where({ id: 1 }).update({ seq: keep, hash: kept.hash });
    // The chain alone cannot see it (documented in docs/security.md).
    expect((await v.core.audit.verify(v.host)).ok).toBe(true);
    // verify appended a row: cut back again, then check against the checkpoint.
    await db('audit_events').where('seq', '>', keep).delete();
    await db('audit_head').where({ id: 1 }).update({ seq: keep, hash: kept.hash });
    const r = await v.core.audit.verify(v.host, { checkpoint: cp });
    expect(r.ok).toBe(false);
    expect(r.firstBad!.seq).toBe(keep + 1);
    expect(r.firstBad!.reason).toMatch(/truncated/);
  });

  it('a checkpoint with a forged MAC (or edited seq) is refused', async () => {
    const cp = await v.core.audit.checkpoint(v.host);
    const r = await v.core.audit.verify(v.host, { checkpoint: { ...cp, seq: cp.seq - 1 } });
    expect(r.ok).toBe(false);
    expect(r.firstBad!.reason).toMatch(/valid MAC/);
  });
});

it('the real `custody audit checkpoint --output F` and `audit verify --checkpoint F`', async () => {
  const { custody } = await import('../support/cli.ts');
  const file = path.join(v.home, 'checkpoint.json');
  const made = await custody(['--home', v.home, 'audit', 'checkpoint', '--output', file]);
  expect(made.code, made.stderr).toBe(0);
  const ok = await custody(['--home', v.home, 'audit', 'verify', '--checkpoint', file]);
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.stdout).toMatch(/^audit chain intact: \d+ rows \(holds the checkpoint of .* at row \d+\)\n$/);
  // A forged checkpoint (a later seq, so truncation would look fine) fails with exit 3.
  const cp = JSON.parse(await readFile(file, 'utf8')) as { seq: number };
  await writeFile(file, JSON.stringify({ ...cp, seq: cp.seq + 1 }));
  const bad = await custody(['--home', v.home, 'audit', 'verify', '--checkpoint', file]);
  expect(bad.code).toBe(3);
  expect(bad.stdout).toMatch(/BROKEN .* valid MAC/);
});
