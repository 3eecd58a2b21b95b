// One-time web links in core: 60 s, one use, the acting user's own, a local landing path only;
// the database holds only the token's hash; every redemption and refusal is audited.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuthError, ManualClock, ValidationError } from '../../core/index.ts';
import { createTestVault, rawDb, type TestVault } from '../support/vault.ts';

const clock = new ManualClock('2026-06-01T12:00:00Z');
let v: TestVault;
beforeAll(async () => {
  v = await createTestVault({ clock });
}, 60_000);
afterAll(async () => v?.close());

const refusal = async (p: Promise<unknown>) => {
  const e = (await p.then(
    () => undefined,
    (x: unknown) => x,
  )) as AuthError | undefined;
  expect(e).toBeInstanceOf(AuthError);
  return e!.details.reason;
};

it('signs the acting user in once and lands on its path; the second use is refused', async () => {
  const alice = await v.addUser('alice', 'auditor');
  const link = await v.core.webLinks.create(alice, '/recordings/r-1');
  expect(link.username).toBe('alice');
  const first = await v.core.system.redeemWebLink(link.token, '10.0.0.9');
  expect([first.user.username, first.landingPath]).toEqual(['alice', '/recordings/r-1']);
  expect(await refusal(v.core.system.redeemWebLink(link.token, '10.0.0.9'))).toBe('used');
  const rows = await v.core.audit.query(v.host, { type: 'web.link-use' });
  expect(rows.map((r) => [r.actor, r.result, r.code])).toEqual(
    expect.arrayContaining([
      ['alice', 'success', 'W201'],
      ['alice', 'failure', 'W201'],
    ]),
  );
});

it('expires after 60 seconds', async () => {
  const link = await v.core.webLinks.create(v.host, '/live/s-1');
  clock.advance(60_000);
  expect(await refusal(v.core.system.redeemWebLink(link.token, '10.0.0.9'))).toBe('expired');
});

it('an unknown or malformed token is refused alike', async () => {
  expect(await refusal(v.core.system.redeemWebLink('A'.repeat(43), 'x'))).toBe('unknown');
  expect(await refusal(v.core.system.redeemWebLink('../../etc', 'x'))).toBe('unknown');
});

it.each(['//evil.example/', 'https://evil.example/', '/\\evil', '/a\r\nSet-Cookie: x=1', 'recordings'])(
  'a landing path %j that is not local is refused before anything is stored',
  async (p) => {
    const db = await rawDb(v);
    const before = (await db('web_links').count({ n: '*' }))[0]!.n;
    await expect(v.core.webLinks.create(v.host, p)).rejects.toBeInstanceOf(ValidationError);
    expect((await db('web_links').count({ n: '*' }))[0]!.n).toBe(before);
    await db.destroy();
  },
);

it('stores only the hash of the token', async () => {
  const link = await v.core.webLinks.create(v.host, '/recordings/r-2');
  const db = await rawDb(v);
  const rows = (await db('web_links').select()) as Record<string, unknown>[];
  await db.destroy();
  expect(JSON.stringify(rows)).not.toContain(link.token);
  expect(rows.length).toBeGreaterThan(0);
});
