// The REST API's routes on the web listener: the same answers for unknown and forbidden objects,
// 401 for every bad key, the access-control workflow, bad input refused before core writes
// anything, and the per-address limit on refused keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import type { Transport } from '../support/api-client.ts';
import { apiTransport, type ApiFixture } from '../support/api-fixture.ts';
import { pw, type TestVault } from '../support/vault.ts';

const CANARY = 'Canary-Adapter-Pw#5521';

describe('REST API on the listener', () => {
  let f: ApiFixture;
  let v: TestVault;
  let api: Transport;
  let aliceKey: string;
  const auditCount = async () => (await v.core.audit.query(v.host, { limit: 10_000 })).length;

  beforeAll(async () => {
    f = await apiTransport();
    v = f.v;
    api = f.api;
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
  }, 60_000);
  afterAll(async () => f?.close());

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

  it('refuses a traversal in a parameter with a coded error, never answering with another account', async () => {
    for (const path of [
      '/api/v1/passwords/..%2Fweb01/root',
      '/api/v1/passwords/web01%2Froot/x',
      '/api/v1/passwords/..%2F..%2Fetc/passwd',
    ]) {
      const r = await api('GET', path, { key: aliceKey });
      // A dot-segment is refused by the listener (E_USAGE); an encoded '/' makes another path,
      // which no route has (E_NOT_FOUND).
      expect([400, 404], path).toContain(r.status);
      expect(['E_USAGE', 'E_NOT_FOUND']).toContain((r.body as { error: { code: string } }).error.code);
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
    const g = await apiTransport({
      apiClock: clock,
      extraConfig: { security: { lockout_source_attempts: 3 } },
    });
    try {
      await g.v.core.resources.create(g.v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
      await g.v.core.accounts.add(g.v.host, 'web01', 'root', pw(CANARY));
      const good = (await g.v.core.apiKeys.create(g.v.host, { name: 'good', user: 'admin' })).key.reveal();
      const audit = async () => (await g.v.core.audit.query(g.v.host, { limit: 10_000 })).length;
      const bad = { key: 'cust_' + 'B'.repeat(43) };
      for (let i = 0; i < 3; i++)
        expect((await g.api('GET', '/api/v1/passwords/web01/root', bad)).status).toBe(401);
      const before = await audit();
      const locked = await g.api('GET', '/api/v1/passwords/web01/root', bad);
      expect(locked).toMatchObject({ status: 429, body: { error: { code: 'E_LOCKED' } } });
      // The good key from the locked address waits too, and nothing was looked up or audited.
      expect((await g.api('GET', '/api/v1/passwords/web01/root', { key: good })).status).toBe(429);
      expect(await audit()).toBe(before);
      clock.advance(15 * 60_000 + 1);
      expect((await g.api('GET', '/api/v1/passwords/web01/root', { key: good })).status).toBe(200);
    } finally {
      await g.close();
    }
  }, 60_000);
});
