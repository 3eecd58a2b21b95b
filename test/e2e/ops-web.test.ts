// /metrics, /healthz and /readyz on the real web listener of a real `custody server` (HTTPS, the
// listener's own certificate trusted and nothing else): the probes answer, and a scrape read with
// a real Prometheus parser moves with a real sign-in and a refused session at the SSH door.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssh } from '../support/openssh-client.ts';
import { parseExposition, sample } from '../support/prometheus.ts';
import { ADMIN_PASSWORD } from '../support/vault.ts';
import { startWebBastion, type WebBastion } from '../support/web.ts';

describe('the operations routes on the web listener', () => {
  let b: WebBastion;
  beforeAll(async () => {
    b = await startWebBastion();
  }, 90_000);
  afterAll(async () => b?.stop());

  it('/healthz and /readyz answer without signing in', async () => {
    expect(await b.request('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    const ready = await b.request('/readyz');
    expect(ready).toMatchObject({ status: 200, body: 'ready\n' });
    expect(ready.headers['cache-control']).toBe('no-store');
  });

  it('/metrics moves with a sign-in and a refused session at the SSH door', async () => {
    const before = await b.request('/metrics');
    expect(before.status).toBe(200);
    expect(String(before.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    const f0 = parseExposition(before.body);
    // The server turned the process collectors on.
    expect(sample(f0, 'custody_process_resident_memory_bytes')).toBeGreaterThan(0);

    // admin signs in; a command without a target is refused (a malformed request for a session).
    const r = await ssh(b.sshPort, 'admin', { password: ADMIN_PASSWORD }, ['true']);
    expect(r.stderr).toContain('need a target');
    const f1 = parseExposition((await b.request('/metrics')).body);
    const d = (name: string, labels: Record<string, string>) =>
      sample(f1, name, labels) - sample(f0, name, labels);
    expect(d('custody_logins_total', { outcome: 'success', method: 'password' })).toBe(1);
    expect(d('custody_session_refusals_total', { reason: 'malformed' })).toBe(1);
    expect(d('custody_session_starts_total', { mode: 'exec' })).toBe(0);
  }, 60_000);

  it('/metrics is GET only (the listener refuses another method on a known path)', async () => {
    const r = await b.request('/metrics', { method: 'POST', body: {} });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code: 'E_USAGE' } });
    expect(r.body).not.toContain('custody_');
  });
});
