// The live view's WebSocket: an administrator's browser session gets the v2.asciicast header (at
// the session's terminal size where the registry knows it), the current screen first (late
// joiner), then live output; another role, a cross-origin page or no
// session is refused; terminate with a reason reaches the session.
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock, type Logger, type LiveControl } from '../../../core/index.ts';
import { type RunningWebListener } from '../../../gateway/index.ts';
import { liveInfo, registerFake } from '../../support/live.ts';
import { ADMIN_PASSWORD, USER_PASSWORD, createTestVault, type TestVault } from '../../support/vault.ts';
import { cookiesOf, webRequest } from '../../support/web.ts';
import { startTestWebListener } from '../../support/test-web-listener.ts';

const quiet: Logger = { log: () => undefined };
const clock = new ManualClock('2026-06-01T12:00:00Z');
let v: TestVault;
let web: RunningWebListener;
let certPem: string;

beforeAll(async () => {
  v = await createTestVault({ clock });
  await v.addUser('aud', 'auditor');
  ({ web, certPem } = await startTestWebListener({
    core: v.core,
    logger: quiet,
    clock,
  }));
}, 60_000);
afterAll(async () => {
  await web?.close();
  await v?.close();
});

async function signIn(username: string, password: string) {
  const r = await webRequest(web.port, certPem, '/signin', { method: 'POST', body: { username, password } });
  return { cookie: cookiesOf(r), csrf: (r.json as { csrfToken: string }).csrfToken };
}

function open(cookie: string, id: string, origin = `https://127.0.0.1:${web.port}`) {
  return new WebSocket(`wss://127.0.0.1:${web.port}/live/${id}/stream`, ['v2.asciicast'], {
    ca: certPem,
    headers: { cookie, origin },
  });
}

it('streams the current screen first, then live output, as v2.asciicast', async () => {
  const { registration } = await registerFake(v.core.system.liveRegistry, { id: 'live-1' }, [], 'SCREEN-NOW');
  const admin = await signIn('admin', ADMIN_PASSWORD);
  const ws = open(admin.cookie, 'live-1');
  const frames: unknown[] = [];
  const got = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (frames.length >= n ? resolve() : setTimeout(check, 10));
      check();
    });
  ws.on('message', (m) => frames.push(JSON.parse(String(m))));
  await new Promise((r) => ws.once('open', r));
  expect(ws.protocol).toBe('v2.asciicast');
  await got(2);
  registration.publish(Buffer.from('TYPED-LIVE'));
  await got(3);
  expect(frames[0]).toEqual({ version: 2, width: 80, height: 24 });
  expect(frames[1]).toEqual([0, 'o', 'SCREEN-NOW']);
  expect((frames[2] as unknown[])[2]).toBe('TYPED-LIVE');
  ws.close();
  await registration.end('done');
});

it("sizes the view by the session's terminal, and follows a resize at the next picture", async () => {
  let size = { cols: 132, rows: 43 };
  const registration = await v.core.system.liveRegistry.register(liveInfo({ id: 'live-sized' }), {
    screen: () => Buffer.from(`SCREEN ${size.cols}x${size.rows}`),
    size: () => size,
    control: () => undefined,
  });
  const admin = await signIn('admin', ADMIN_PASSWORD);
  const ws = open(admin.cookie, 'live-sized');
  const frames: unknown[] = [];
  ws.on('message', (m) => frames.push(JSON.parse(String(m))));
  const got = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (frames.length >= n ? resolve() : setTimeout(check, 10));
      check();
    });
  await got(2);
  expect(frames[0]).toEqual({ version: 2, width: 132, height: 43 });
  expect(frames[1]).toEqual([0, 'o', 'SCREEN 132x43']);
  // The operator's window changes; two chunks of 600 KiB in one tick put this viewer more than
  // its 1 MiB behind, so it is given the picture as it is now, at the new size.
  size = { cols: 100, rows: 30 };
  const chunk = Buffer.alloc(600 * 1024, 'a');
  registration.publish(chunk);
  registration.publish(chunk);
  await got(4);
  expect(frames[2]).toEqual([0, 'r', '100x30']);
  expect(frames[3]).toEqual([0, 'o', '\x1b[2J\x1b[HSCREEN 100x30']);
  ws.close();
  await registration.end('done');
});

it('refuses a non-administrator, a cross-origin page and no session', async () => {
  await registerFake(v.core.system.liveRegistry, { id: 'live-2' });
  const aud = await signIn('aud', USER_PASSWORD);
  const admin = await signIn('admin', ADMIN_PASSWORD);
  for (const [cookie, origin, status] of [
    [aud.cookie, undefined, 403],
    [admin.cookie, 'https://evil.example', 403],
    ['', undefined, 401],
  ] as const) {
    const ws = open(cookie, 'live-2', origin);
    const code = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(code).toBe(status);
  }
});

it('terminate with a reason reaches the session (CSRF token required)', async () => {
  const received: LiveControl[] = [];
  await registerFake(v.core.system.liveRegistry, { id: 'live-3' }, received);
  const admin = await signIn('admin', ADMIN_PASSWORD);
  const refused = await webRequest(web.port, certPem, '/live/live-3/terminate', {
    method: 'POST',
    cookie: admin.cookie,
    body: { reason: 'no token' },
  });
  expect(refused.status).toBe(401);
  expect(received).toEqual([]);
  const r = await webRequest(web.port, certPem, '/live/live-3/terminate', {
    method: 'POST',
    cookie: admin.cookie,
    body: `csrf=${encodeURIComponent(admin.csrf)}&reason=change+window`,
    contentType: 'application/x-www-form-urlencoded',
  });
  expect([r.status, r.headers.location]).toEqual([303, '/live']);
  expect(received.map((m) => m.type)).toEqual(['terminate']);
  expect(received[0]!.reason).toContain('change window');
});
