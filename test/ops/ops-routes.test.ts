// The operations routes as plain functions: who may scrape /metrics, what the probes answer,
// and that /readyz follows both storage and the front door.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ManualTimers, silentLogger, systemTimers, type Actor } from '../../core/index.ts';
import { opsRoutes, type OpsRequest } from '../../gateway/index.ts';
import { AllowList } from '../../gateway/ops/allow-list.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const get = (path: string, remoteAddress = '127.0.0.1'): OpsRequest => ({
  method: 'GET',
  path,
  remoteAddress,
});

describe('the metrics allow-list', () => {
  it('matches exact addresses and CIDR blocks, IPv4 clients of a dual-stack listener included', () => {
    const a = new AllowList(['127.0.0.1', '10.1.0.0/16', '2001:db8::/32', '::1']);
    expect(a.allows('127.0.0.1')).toBe(true);
    expect(a.allows('::ffff:127.0.0.1')).toBe(true);
    expect(a.allows('10.1.200.3')).toBe(true);
    expect(a.allows('2001:db8:1::5')).toBe(true);
    expect(a.allows('::1')).toBe(true);
    expect(a.allows('10.2.0.1')).toBe(false);
    expect(a.allows('127.0.0.2')).toBe(false);
    expect(a.allows('2001:db9::1')).toBe(false);
    expect(a.allows(undefined)).toBe(false);
    expect(a.allows('not-an-address')).toBe(false);
  });

  it('refuses an entry that is not an address', () => {
    expect(() => new AllowList(['localhost'])).toThrow(/allow_from: 'localhost'/);
    expect(() => new AllowList(['10.0.0.0/33'])).toThrow(/prefix length/);
  });
});

describe('the operations routes', () => {
  let v: TestVault;
  let accepting = true;
  beforeAll(async () => {
    v = await createTestVault();
  });
  afterAll(async () => v?.close());

  const routes = () =>
    opsRoutes({
      core: v.core,
      allowFrom: ['127.0.0.1'],
      acceptingSessions: () => accepting,
      timers: systemTimers,
      logger: silentLogger,
    });

  it('serves /metrics to an allowed address only, and only to GET', async () => {
    const r = routes();
    const ok = await r['/metrics'](get('/metrics'));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('# TYPE custody_session_starts_total counter');
    const refused = await r['/metrics'](get('/metrics', '192.0.2.7'));
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('forbidden\n');
    expect((await r['/metrics']({ ...get('/metrics'), method: 'POST' })).status).toBe(405);
  });

  it('outside the allow-list, an API key of an administrator or auditor is accepted instead', async () => {
    const auditor = await v.addUser('audra', 'auditor');
    const user = await v.addUser('paul', 'password-user');
    const keys: Record<string, Actor> = { 'key-auditor': auditor, 'key-user': user };
    const r = opsRoutes({
      core: v.core,
      allowFrom: ['127.0.0.1'],
      acceptingSessions: () => true,
      timers: systemTimers,
      logger: silentLogger,
      authenticateApiKey: async (key) => {
        const a = keys[key];
        if (!a) throw new AuthError('bad key');
        return a;
      },
    });
    const from = (bearer?: string) => ({ ...get('/metrics', '192.0.2.7'), ...(bearer ? { bearer } : {}) });
    expect((await r['/metrics'](from('key-auditor'))).status).toBe(200);
    expect((await r['/metrics'](from('key-user'))).status).toBe(403);
    expect((await r['/metrics'](from('no-such-key'))).status).toBe(403);
    expect((await r['/metrics'](from())).status).toBe(403);
  });

  it('a server adds process memory and event-loop lag to the scrape', async () => {
    v.core.system.metrics.collectProcessMetrics();
    const body = (await routes()['/metrics'](get('/metrics'))).body;
    expect(body).toMatch(/^custody_process_resident_memory_bytes \d+/m);
    expect(body).toMatch(/^custody_nodejs_eventloop_lag_seconds [\d.e+-]+/m);
    expect(body).toMatch(/^custody_nodejs_heap_size_used_bytes \d+/m);
  });

  it('/healthz says ok; /readyz follows the front door', async () => {
    const r = routes();
    expect(await r['/healthz'](get('/healthz', '192.0.2.7'))).toMatchObject({ status: 200, body: 'ok\n' });
    accepting = true;
    expect(await r['/readyz'](get('/readyz', '192.0.2.7'))).toMatchObject({ status: 200, body: 'ready\n' });
    accepting = false;
    expect(await r['/readyz'](get('/readyz'))).toMatchObject({ status: 503, body: 'not ready\n' });
    accepting = true;
  });

  it('/readyz cancels its time-out once the store answers', async () => {
    const timers = new ManualTimers();
    const stuck = opsRoutes({
      core: v.core,
      allowFrom: [],
      acceptingSessions: () => true,
      timers,
      logger: silentLogger,
      storageTimeoutMs: 2_000,
    });
    // The store answers within the time here; the timer only decides when it does not.
    const answer = stuck['/readyz'](get('/readyz'));
    expect((await answer).status).toBe(200);
    expect(timers.pending).toBe(0);
  });
});
