// `custody server --web-port 0` opens the HTTPS listener on a free port and prints where, with the
// certificate's fingerprint; `custody init` made that self-signed certificate under keys/ (0600).
import { stat } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { ADMIN_PASSWORD } from '../support/vault.ts';
import { startWebBastion, type WebBastion } from '../support/web.ts';

let b: WebBastion;
beforeAll(async () => {
  b = await startWebBastion();
}, 90_000);
afterAll(async () => b?.stop());

it('prints web listening on HOST:PORT with the SHA-256 fingerprint of the certificate init made', async () => {
  expect(b.server.output()).toMatch(
    /^web listening on 127\.0\.0\.1:\d+ \(certificate SHA-256 [0-9A-F:]{95}\)$/m,
  );
  for (const f of ['web-tls-cert.pem', 'web-tls-key.pem'])
    expect((await stat(path.join(b.home, 'keys', f))).mode & 0o777).toBe(0o600);
  const cert = new X509Certificate(b.certPem);
  expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
  expect(cert.subjectAltName).toContain('DNS:localhost');
});

it('serves HTTPS only, every answer with the security headers, errors as coded JSON', async () => {
  const r = await b.request('/no/such/page');
  expect(r.status).toBe(404);
  expect(r.json).toEqual({ error: { code: 'E_NOT_FOUND', message: "page '/no/such/page' not found" } });
  expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(r.headers['x-frame-options']).toBe('DENY');
  expect(r.headers['referrer-policy']).toBe('no-referrer');
  expect(r.headers['x-content-type-options']).toBe('nosniff');
});

it('signs the administrator in with a Secure HttpOnly SameSite=Strict cookie; a session route needs it', async () => {
  expect((await b.request('/api/web/whoami')).json).toMatchObject({ error: { code: 'E_AUTH' } });
  const s = await b.signIn('admin', ADMIN_PASSWORD);
  expect((await s.request('/api/web/whoami')).json).toEqual({ user: 'admin', role: 'admin' });
  const bad = await b.request('/signin', { method: 'POST', body: { username: 'admin', password: 'wrong' } });
  expect(bad.status).toBe(401);
  expect(bad.headers['set-cookie']).toBeUndefined();
});

it('server --help offers --web-port with a description', async () => {
  const r = await custody(['server', '--help']);
  expect(r.stdout).toMatch(/--web-port <n>\s+\S/);
});
