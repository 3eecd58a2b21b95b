// API keys in core: issued once, stored hashed, acting as their user and never more; each
// refusal is one answer for the client and a reasoned audit row for the administrator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ManualClock, Secret, type Actor } from '../../core/index.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, rawDb, type TestVault } from '../support/vault.ts';

const CANARY = 'Canary-Api-Key-Pw#7731';

for (const driver of storageDrivers())
  describe(`API keys on ${driver.name}`, () => {
    let v: TestVault;
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    let alice: Actor;

    beforeAll(async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault({ clock, ...(url ? { postgresUrl: url } : {}) });
      alice = await v.addUser('alice', 'password-user');
      await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
      await v.core.accounts.add(v.host, 'web01', 'root', pw(CANARY));
      await v.core.resources.create(v.host, { name: 'db01', type: 'linux', dnsName: 'db01.example' });
      await v.core.accounts.add(v.host, 'db01', 'root', pw(CANARY + 'x'));
      await v.core.sharing.grant(
        v.host,
        { kind: 'resource', name: 'web01' },
        { kind: 'user', name: 'alice' },
        'view',
      );
    }, 60_000);
    afterAll(async () => v?.close());

    const refusals = async () =>
      (await v.core.audit.query(v.host, { type: 'apikey.refused', limit: 100 })).map(
        (r) => (JSON.parse(r.details) as { reason: string }).reason,
      );

    it('stores only a hash: the key is in no row of the database, and list shows no key', async () => {
      const { key, view } = await v.core.apiKeys.create(v.host, { name: 'app1', user: 'alice' });
      expect(key.reveal()).toMatch(/^cust_[A-Za-z0-9_-]{43}$/);
      expect(view).toMatchObject({ name: 'app1', user: 'alice', state: 'active', expiresAt: null });
      const db = await rawDb(v);
      try {
        const dump = JSON.stringify([await db('api_keys').select(), await db('audit_events').select()]);
        expect(dump).not.toContain(key.reveal());
        expect(dump).not.toContain(key.reveal().slice(5));
      } finally {
        await db.destroy();
      }
      expect(JSON.stringify(await v.core.apiKeys.list(v.host))).not.toContain(key.reveal());
    });

    it('acts as its user with her shares and no more, and audits a retrieval as via api with the key name', async () => {
      const { key } = await v.core.apiKeys.create(v.host, { name: 'app2', user: 'alice' });
      const actor = await v.core.system.authenticateApiKey(key, '192.0.2.10');
      expect(actor).toMatchObject({ kind: 'user', name: 'alice', apiKey: 'app2', source: '192.0.2.10' });
      expect(actor.user.role).toBe('password-user');
      expect((await v.core.as(actor).accounts.reveal('web01/root')).reveal()).toBe(CANARY);
      await expect(v.core.as(actor).accounts.reveal('db01/root')).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
      const access = await v.core.audit.query(v.host, { type: 'password.access', actor: 'alice', limit: 5 });
      expect(JSON.parse(access[0]!.details)).toMatchObject({ via: 'api', apiKey: 'app2' });
      const denied = await v.core.audit.query(v.host, { type: 'authz.denied', actor: 'alice', limit: 5 });
      expect(JSON.parse(denied[0]!.details)).toMatchObject({ via: 'api', apiKey: 'app2' });
      // A key never manages keys, even one whose user is an administrator.
      const { key: adminKey } = await v.core.apiKeys.create(v.host, { name: 'admin-app', user: 'admin' });
      const asAdminKey = await v.core.system.authenticateApiKey(adminKey, '192.0.2.10');
      await expect(
        v.core.as(asAdminKey).apiKeys.create({ name: 'spawn', user: 'admin' }),
      ).rejects.toMatchObject({
        code: 'E_FORBIDDEN',
      });
      await expect(v.core.as(asAdminKey).apiKeys.list()).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    });

    it('refuses revoked, expired, out-of-range, unknown and malformed keys alike, with distinct audit reasons', async () => {
      const revoked = await v.core.apiKeys.create(v.host, { name: 'gone', user: 'alice' });
      await v.core.apiKeys.revoke(v.host, 'gone');
      const expiring = await v.core.apiKeys.create(v.host, { name: 'short', user: 'alice', expiresDays: 1 });
      const ranged = await v.core.apiKeys.create(v.host, {
        name: 'ranged',
        user: 'alice',
        allowCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      });
      // Inside its ranges and its lifetime the keys work...
      await expect(v.core.system.authenticateApiKey(ranged.key, '::ffff:10.9.8.7')).resolves.toMatchObject({
        apiKey: 'ranged',
      });
      await expect(v.core.system.authenticateApiKey(expiring.key, '127.0.0.1')).resolves.toMatchObject({
        apiKey: 'short',
      });
      clock.advance(86_400_000);
      const before = (await refusals()).length;
      const attempts: [Secret, string][] = [
        [revoked.key, '127.0.0.1'],
        [expiring.key, '127.0.0.1'],
        [ranged.key, '192.0.2.1'],
        [Secret.fromString('cust_' + 'A'.repeat(43)), '127.0.0.1'],
        [Secret.fromString('Bearer nonsense\r\nX-Injected: 1'), '127.0.0.1'],
      ];
      for (const [key, address] of attempts) {
        const e = await v.core.system.authenticateApiKey(key, address).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(AuthError);
        expect((e as AuthError).message).toBe('invalid API key');
      }
      expect((await refusals()).slice(0, (await refusals()).length - before).reverse()).toEqual([
        'revoked',
        'expired',
        'address',
        'unknown',
        'malformed',
      ]);
      const list = await v.core.apiKeys.list(v.host);
      expect(list.find((k) => k.name === 'gone')).toMatchObject({
        state: 'revoked',
        revokedBy: 'host:tester',
      });
      expect(list.find((k) => k.name === 'short')).toMatchObject({ state: 'expired' });
      expect(list.find((k) => k.name === 'ranged')).toMatchObject({
        allowCidrs: ['10.0.0.0/8', '2001:db8::/32'],
        lastUsedAt: '2026-03-01T10:00:00.000Z',
      });
    });

    it('refuses a key whose user was deactivated, and checks names, ranges and expiry on creation', async () => {
      await v.addUser('bob', 'password-user');
      const { key } = await v.core.apiKeys.create(v.host, { name: 'bobs', user: 'bob' });
      await v.core.users.update(v.host, 'bob', { status: 'inactive' });
      await expect(v.core.system.authenticateApiKey(key, '127.0.0.1')).rejects.toBeInstanceOf(AuthError);
      expect((await refusals())[0]).toBe('user-inactive');
      await expect(v.core.apiKeys.create(v.host, { name: 'bobs', user: 'alice' })).rejects.toMatchObject({
        code: 'E_CONFLICT',
      });
      for (const bad of [
        { name: 'has space', user: 'alice' },
        { name: 'ok', user: 'alice', expiresDays: 0 },
        { name: 'ok', user: 'alice', allowCidrs: ['10.0.0.0/40'] },
      ])
        await expect(v.core.apiKeys.create(v.host, bad)).rejects.toMatchObject({ code: 'E_VALIDATION' });
      await expect(v.core.apiKeys.create(v.host, { name: 'ok', user: 'nobody' })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
      await expect(v.core.as(alice).apiKeys.create({ name: 'mine', user: 'alice' })).rejects.toMatchObject({
        code: 'E_FORBIDDEN',
      });
    });
  });
