// The listener's refusals, through a real HTTPS client: each a clear coded error, before the
// handler runs (so nothing is written). Sessions expire on a manual clock, never by sleeping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, UsageError, type Logger } from '../../../core/index.ts';
import { isLocalPath, json, redirect, type RunningWebListener } from '../../../gateway/index.ts';
import { ADMIN_PASSWORD, createTestVault, type TestVault } from '../../support/vault.ts';
import { cookiesOf, webRequest, type WebRequestOptions, type WebResponse } from '../../support/web.ts';
import { startTestWebListener } from '../../support/test-web-listener.ts';

const quiet: Logger = { log: () => undefined };
let v: TestVault;
let web: RunningWebListener;
let certPem: string;
const clock = new ManualClock('2026-06-01T12:00:00Z');
/** Bodies the test route accepted: a refused request must never add one. */
const written: unknown[] = [];

const req = (p: string, o?: WebRequestOptions): Promise<WebResponse> => webRequest(web.port, certPem, p, o);

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const r = await req('/signin', { method: 'POST', body: { username: 'admin', password: ADMIN_PASSWORD } });
  expect(r.status).toBe(200);
  return { cookie: cookiesOf(r), csrf: (r.json as { csrfToken: string }).csrfToken };
}

beforeAll(async () => {
  v = await createTestVault({ clock });
  ({ web, certPem } = await startTestWebListener({
    core: v.core,
    logger: quiet,
    clock,
    modules: [
      (router) =>
        router
          .add({
            method: 'POST',
            path: '/test/notes',
            auth: 'session',
            maxBodyBytes: 1024,
            handler: async (r) => {
              written.push(await r.body());
              return json({ ok: true }, 201);
            },
          })
          .add({
            method: 'GET',
            path: '/test/recordings/:id',
            auth: 'public',
            handler: (r) => json({ id: r.params.id }),
          })
          .add({
            method: 'GET',
            path: '/test/go',
            auth: 'public',
            handler: (r) => {
              const to = r.query.get('to') ?? '/';
              if (!isLocalPath(to)) throw new UsageError('the landing path must be a local path');
              return redirect(to);
            },
          }),
    ],
  }));
}, 60_000);
afterAll(async () => {
  await web?.close();
  await v?.close();
});

const code = (r: WebResponse) => (r.json as { error?: { code: string } }).error?.code;

describe('bodies', () => {
  it('an oversized body is E_USAGE 400 and nothing is written', async () => {
    const s = await signIn();
    const r = await req('/test/notes', {
      method: 'POST',
      cookie: s.cookie,
      headers: { 'x-csrf-token': s.csrf },
      body: { note: 'x'.repeat(5000) },
    });
    expect([r.status, code(r)]).toEqual([400, 'E_USAGE']);
    expect((r.json as { error: { message: string } }).error.message).toMatch(/larger than 1024 bytes/);
    expect(written).toEqual([]);
  });

  it('malformed JSON and a wrong Content-Type are E_USAGE 400, nothing written', async () => {
    const s = await signIn();
    const auth = { cookie: s.cookie, headers: { 'x-csrf-token': s.csrf } };
    const bad = await req('/test/notes', { method: 'POST', ...auth, body: '{"note": ' });
    expect([bad.status, code(bad)]).toEqual([400, 'E_USAGE']);
    expect(bad.body).toContain('not valid JSON');
    const type = await req('/test/notes', {
      method: 'POST',
      ...auth,
      body: 'note',
      contentType: 'text/plain',
    });
    expect([type.status, code(type)]).toEqual([400, 'E_USAGE']);
    expect(type.body).toContain('application/json');
    expect(written).toEqual([]);
    // The same session with a good body is accepted: the refusals above were the body's fault.
    const ok = await req('/test/notes', { method: 'POST', ...auth, body: { note: 'fine' } });
    expect(ok.status).toBe(201);
    expect(written).toEqual([{ note: 'fine' }]);
    written.length = 0;
  });
});

describe('paths and redirects', () => {
  it.each([
    '/test/recordings/..%2F..%2Fetc%2Fpasswd',
    '/test/recordings/%2e%2e',
    '/test/recordings/a%00b',
    '/test/recordings/%E0%A4%A',
  ])('traversal or a bad escape in an id (%s) is E_USAGE 400', async (p) => {
    const r = await req(p);
    expect([r.status, code(r)]).toEqual([400, 'E_USAGE']);
  });

  it('an ordinary id reaches the handler', async () => {
    expect((await req('/test/recordings/abc-123')).json).toEqual({ id: 'abc-123' });
  });

  it.each([
    ['//evil.example/', 'scheme-relative'],
    ['https://evil.example/', 'absolute'],
    ['/\\evil.example', 'backslash'],
    ['/ok\r\nSet-Cookie: x=1', 'CR/LF header injection'],
  ])('a landing path %j (%s) is refused, no Location header', async (to) => {
    const r = await req(`/test/go?to=${encodeURIComponent(to)}`);
    expect([r.status, code(r)]).toEqual([400, 'E_USAGE']);
    expect(r.headers.location).toBeUndefined();
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('a local landing path is a 303 to it', async () => {
    const r = await req(`/test/go?to=${encodeURIComponent('/recordings/abc')}`);
    expect([r.status, r.headers.location]).toEqual([303, '/recordings/abc']);
  });
});

describe('cookies and CSRF', () => {
  it('no cookie, or a made-up one, is E_AUTH 401', async () => {
    for (const cookie of [undefined, '__Host-custody-session=forged']) {
      const r = await req('/api/web/whoami', { cookie });
      expect([r.status, code(r)]).toEqual([401, 'E_AUTH']);
    }
  });

  it('the cookie is Secure; HttpOnly; SameSite=Strict', async () => {
    const r = await req('/signin', { method: 'POST', body: { username: 'admin', password: ADMIN_PASSWORD } });
    const set = ([] as string[])
      .concat(r.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('__Host-custody-session='));
    expect(set).toMatch(/; Secure; HttpOnly; SameSite=Strict$/);
  });

  it('a state change without the CSRF token, or with a replayed one from an ended session, is refused', async () => {
    const old = await signIn();
    const out = await req('/signout', {
      method: 'POST',
      cookie: old.cookie,
      headers: { 'x-csrf-token': old.csrf },
    });
    expect(out.status).toBe(200);
    const now = await signIn();
    const none = await req('/test/notes', { method: 'POST', cookie: now.cookie, body: { n: 1 } });
    expect([none.status, code(none)]).toEqual([401, 'E_AUTH']);
    const replayed = await req('/test/notes', {
      method: 'POST',
      cookie: now.cookie,
      headers: { 'x-csrf-token': old.csrf },
      body: { n: 2 },
    });
    expect([replayed.status, code(replayed)]).toEqual([401, 'E_AUTH']);
    // The ended session's own cookie is dead too.
    const dead = await req('/api/web/whoami', { cookie: old.cookie });
    expect(code(dead)).toBe('E_AUTH');
    expect(written).toEqual([]);
  });

  it('a state change from another origin (a forged sign-in form) is refused', async () => {
    const r = await req('/signin/form', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: `username=admin&password=${encodeURIComponent(ADMIN_PASSWORD)}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect([r.status, code(r)]).toEqual([403, 'E_FORBIDDEN']);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('a session expires after [web] session_minutes', async () => {
    const s = await signIn();
    clock.advance(29 * 60_000);
    expect((await req('/api/web/whoami', { cookie: s.cookie })).status).toBe(200);
    clock.advance(60_000);
    const r = await req('/api/web/whoami', { cookie: s.cookie });
    expect([r.status, code(r)]).toEqual([401, 'E_AUTH']);
  });
});

it('every answer, errors included, carries the security headers', async () => {
  for (const r of [
    await req('/nowhere'),
    await req('/test/recordings/x'),
    await req('/test/recordings/%2e%2e'),
  ]) {
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  }
});
