// The REST API's routes through its own handler (no listener): the same answers for unknown and
// forbidden objects, 401 for every bad key, the access-control workflow, and bad input refused
// before core writes anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '../../core/index.ts';
import { RefusalLimiter } from '../../gateway/web/api/refusal-limiter.ts';
import { createApiHandler } from '../../gateway/web/api/api-handler.ts';
import { allApiRoutes } from '../../gateway/web/api/openapi.ts';
import { adapterTransport, type Transport } from '../support/api-client.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const CANARY = 'Canary-Adapter-Pw#5521';

describe('REST API through its handler', () => {
  let v: TestVault;
  let api: Transport;
  let aliceKey: string;
  const auditCount = async () => (await v.core.audit.query(v.host, { limit: 10_000 })).length;

  beforeAll(async () => {
    v = await createTestVault();
    await v.addUser('alice', 'password-user');
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
    await v.core.accounts.add(v.host, 'web01', 'root', pw(CANARY));
    await v.core.resources.create(v.host, { name: 'db01', type: 'linux', dnsName: 'db01.example' });
    await v.core.accounts.add(v.host, 'db01', 'root', pw(CANARY + '2'));
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'web01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    aliceKey = (await v.core.apiKeys.create(v.host, { name: 'alice-app', user: 'alice' })).key.reveal();
    api = adapterTransport(
      createApiHandler({
        routes: allApiRoutes('test'),
        system: v.core.system,
        as: (a) => v.core.as(a),
        logger: silentLogger,
      }),
    );
  }, 60_000);
  afterAll(async () => v?.close());

  it('returns the password to its key, and the same 404 for an unknown and a forbidden account', async () => {
    const r = await api('GET', '/api/v1/passwords/web01/root', { key: aliceKey });
    expect(r).toMatchObject({ status: 200, body: { password: CANARY } });
    expect(r.headers['cache-control']).toBe('no-store');
    const forbidden = await api('GET', '/api/v1/passwords/db01/root', { key: aliceKey });
    const unknown = await api('GET', '/api/v1/passwords/nosuch/root', { key: aliceKey });
    expect(forbidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(forbidden.body).toEqual({
      error: { code: 'E_NOT_FOUND', message: "account 'db01/root' not found" },
    });
    expect(unknown.body).toEqual({
      error: { code: 'E_NOT_FOUND', message: "account 'nosuch/root' not found" },
    });
    expect(forbidden.text + unknown.text).not.toContain(CANARY);
  });

  it('answers 401 with E_AUTH for a missing, malformed or unknown key', async () => {
    for (const o of [
      {},
      { authorization: 'Basic YWxpY2U6eA==' },
      { key: 'cust_' + 'x'.repeat(43) },
      { key: 'short' },
    ]) {
      const r = await api('GET', '/api/v1/passwords/web01/root', o);
      expect(r.status).toBe(401);
      expect((r.body as { error: { code: string } }).error.code).toBe('E_AUTH');
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('refuses a password under access control before check-out and returns it during one', async () => {
    await v.core.access.configure(v.host, 'web01', { approvers: ['admin'], autoApprove: 'always' });
    try {
      const before = await api('GET', '/api/v1/passwords/web01/root', { key: aliceKey });
      expect(before.status).toBe(403);
      expect(before.text).not.toContain(CANARY);
      const req = await api('POST', '/api/v1/requests', {
        key: aliceKey,
        body: { account: 'web01/root', reason: 'deploy' },
      });
      expect(req).toMatchObject({ status: 201, body: { account: 'web01/root', requester: 'alice' } });
      const out = await api('POST', '/api/v1/accounts/web01/root/checkout', { key: aliceKey });
      expect(out).toMatchObject({ status: 200, body: { state: 'checked-out' } });
      const during = await api('GET', '/api/v1/passwords/web01/root?reason=deploy', { key: aliceKey });
      expect(during).toMatchObject({ status: 200, body: { password: CANARY } });
      const back = await api('POST', '/api/v1/accounts/web01/root/checkin', { key: aliceKey });
      expect(back.status).toBe(200);
      expect((await api('GET', '/api/v1/passwords/web01/root', { key: aliceKey })).status).toBe(403);
    } finally {
      await v.core.access.setActive(v.host, 'web01', false);
    }
  });

  it('refuses malformed input with a coded 400 and writes nothing', async () => {
    const before = await auditCount();
    const bad: [string, string, unknown][] = [
      ['POST', '/api/v1/requests', { account: 'web01/root', reason: 'x', extra: 1 }],
      ['POST', '/api/v1/requests', { account: 'web01/root', reason: 42 }],
      ['POST', '/api/v1/requests', ['web01/root']],
      ['POST', '/api/v1/requests', { account: 'web01/root', reason: 'r'.repeat(501) }],
      ['GET', '/api/v1/passwords/web01/root?password=1', undefined],
      ['GET', '/api/v1/passwords/web01/root?reason=a&reason=b', undefined],
      ['GET', '/api/v1/requests?mine=yes', undefined],
      ['GET', '/api/v1/passwords/web01/%E0%A4%A', undefined],
    ];
    for (const [method, path, body] of bad) {
      const r = await api(method, path, { key: aliceKey, body });
      expect(r.status, `${method} ${path}`).toBe(400);
      expect((r.body as { error: { code: string } }).error.code).toMatch(/^E_(VALIDATION|USAGE)$/);
    }
    expect(await auditCount()).toBe(before);
  });

  it('answers a traversal in a parameter as an unknown object, never another account', async () => {
    for (const path of [
      '/api/v1/passwords/..%2Fweb01/root',
      '/api/v1/passwords/web01%2Froot/x',
      '/api/v1/passwords/..%2F..%2Fetc/passwd',
    ]) {
      const r = await api('GET', path, { key: aliceKey });
      expect(r.status, path).toBe(404);
      expect(r.text).not.toContain(CANARY);
    }
  });

  it('lists what the key’s user may see, never a password; sessions are for administrators', async () => {
    const resources = await api('GET', '/api/v1/resources', { key: aliceKey });
    expect((resources.body as { resources: { name: string }[] }).resources.map((r) => r.name)).toEqual([
      'web01',
    ]);
    const accounts = await api('GET', '/api/v1/resources/web01/accounts', { key: aliceKey });
    expect(accounts.body).toMatchObject({
      resource: 'web01',
      accounts: [{ name: 'root', ref: 'web01/root' }],
    });
    expect((await api('GET', '/api/v1/resources/db01/accounts', { key: aliceKey })).status).toBe(404);
    expect(resources.text + accounts.text).not.toContain(CANARY);
    expect((await api('GET', '/api/v1/sessions', { key: aliceKey })).status).toBe(403);
  });

  it('answers an address past its refused-key limit with 429 E_LOCKED, no lookup and no audit row', async () => {
    const clock = new ManualClock();
    const handle = createApiHandler({
      routes: allApiRoutes('test'),
      system: v.core.system,
      as: (a) => v.core.as(a),
      logger: silentLogger,
      limiter: new RefusalLimiter(clock, 3, 60_000),
    });
    const from = (address: string) => adapterTransport(handle, address);
    const bad = { key: 'cust_' + 'B'.repeat(43) };
    for (let i = 0; i < 3; i++)
      expect((await from('192.0.2.9')('GET', '/api/v1/passwords/web01/root', bad)).status).toBe(401);
    const before = await auditCount();
    const locked = await from('192.0.2.9')('GET', '/api/v1/passwords/web01/root', bad);
    expect(locked).toMatchObject({ status: 429, body: { error: { code: 'E_LOCKED' } } });
    // The good key from the locked address waits too; another address is not affected.
    expect((await from('192.0.2.9')('GET', '/api/v1/passwords/web01/root', { key: aliceKey })).status).toBe(
      429,
    );
    expect(await auditCount()).toBe(before);
    expect((await from('192.0.2.10')('GET', '/api/v1/passwords/web01/root', { key: aliceKey })).status).toBe(
      200,
    );
    clock.advance(60_001);
    expect((await from('192.0.2.9')('GET', '/api/v1/passwords/web01/root', { key: aliceKey })).status).toBe(
      200,
    );
  });
});
