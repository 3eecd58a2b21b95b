// The pages in a real Chromium (playwright-core driving Debian's chromium): sign-in with password
// then TOTP, the recordings list, and the player seeking into a recording and showing what the
// session showed there. playwright's launch gives Chromium a fresh profile of its own each run. Recording timestamps come from a manual clock, not from sleeping.
import * as OTPAuth from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock, type LiveControl, type Logger } from '../../core/index.ts';
import { registerFake } from '../support/live.ts';
import { type RunningWebListener } from '../../gateway/index.ts';
import { createTestVault, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { launchChromium } from '../support/chromium.ts';
import { startTestWebListener } from '../support/test-web-listener.ts';

const quiet: Logger = { log: () => undefined };
const clock = new ManualClock(new Date());
let v: TestVault;
let web: RunningWebListener;
let browser: Browser;
let totpSecret: string;
let recordingId: string;

beforeAll(async () => {
  v = await createTestVault({ clock });
  await v.addUser('tina', 'auditor');
  totpSecret = (await v.core.credentials.enableTotp(v.host, 'tina')).secret.reveal();
  const w = await v.core.recordings.open(
    {
      sessionId: 's-web',
      user: 'alice',
      target: 'web01/root',
      protocol: 'ssh',
      cols: 60,
      rows: 10,
      source: 'test',
      startedAt: clock.now(),
    },
    'strict',
  );
  w.output(Buffer.from('$ echo FIRST-SCREEN\r\nFIRST-SCREEN\r\n'));
  clock.advance(10_000);
  w.output(Buffer.from('\x1b[2J\x1b[H$ echo MIDDLE-SCREEN\r\nMIDDLE-SCREEN\r\n'));
  clock.advance(10_000);
  w.output(Buffer.from('\x1b[2J\x1b[H$ echo LAST-SCREEN\r\nLAST-SCREEN\r\n'));
  clock.advance(1_000);
  await w.close();
  recordingId = (await v.core.recordings.list(v.host))[0]!.id;
  ({ web } = await startTestWebListener({
    core: v.core,
    logger: quiet,
    clock,
  }));
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await v?.close();
});

const code = () =>
  new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(totpSecret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  }).generate({
    timestamp: clock.now().getTime(),
  });

it('signs in with password then TOTP, lists recordings, and the player seeks to the middle', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  const base = `https://127.0.0.1:${web.port}`;
  await page.goto(`${base}/signin`);
  await page.fill('input[name=username]', 'tina');
  await page.fill('input[name=password]', USER_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/signin/code`);
  await page.fill('input[name=code]', code());
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/recordings`);
  await page.click(`a[href="/recordings/${recordingId}"]`);
  await page.waitForURL(`${base}/recordings/${recordingId}`);
  await page.waitForFunction(() => !!(globalThis as unknown as { custodyPlayer?: unknown }).custodyPlayer);
  await page.evaluate(async () => {
    const p = (
      globalThis as unknown as { custodyPlayer: { seek(t: number): Promise<void>; getDuration(): number } }
    ).custodyPlayer;
    // A first seek loads the recording (its duration is unknown before); then the middle of the
    // timeline as the player shows it (idle time capped at 2 s).
    await p.seek(0);
    await p.seek(p.getDuration() / 2);
  });
  await expect
    .poll(async () => page.locator('.ap-term').innerText(), { timeout: 15_000 })
    .toContain('MIDDLE-SCREEN');
  expect(await page.locator('.ap-term').innerText()).not.toContain('LAST-SCREEN');
  expect(violations).toEqual([]);
  await context.close();
}, 120_000);

it('a one-time link signs the administrator in once, onto a live view that follows the session; terminate from the page', async () => {
  const received: LiveControl[] = [];
  const { registration } = await registerFake(
    v.core.system.liveRegistry,
    { id: 'live-b', user: 'olga', target: 'web01/root' },
    received,
    'olga@web01:~$ ',
  );
  const link = await v.core.webLinks.create(v.host, '/live/live-b');
  const base = `https://127.0.0.1:${web.port}`;
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${base}/link/${link.token}`);
  expect(page.url()).toBe(`${base}/live/live-b`);
  const term = page.locator('.ap-term');
  await expect.poll(async () => term.innerText(), { timeout: 15_000 }).toContain('olga@web01:~$');
  registration.publish(Buffer.from('echo TYPED-BY-OPERATOR'));
  await expect.poll(async () => term.innerText(), { timeout: 15_000 }).toContain('TYPED-BY-OPERATOR');
  await page.fill('input[name=reason]', 'change window closed');
  await page.click('form[action="/live/live-b/terminate"] button[type=submit]');
  await page.waitForURL(`${base}/live`);
  expect(received.map((m) => m.type)).toEqual(['terminate']);
  expect(received[0]!.reason).toContain('change window closed');
  await registration.end('terminated');
  // The same link a second time, in another browser: refused, and no session.
  const other = await browser.newContext({ ignoreHTTPSErrors: true });
  const again = await (await other.newPage()).goto(`${base}/link/${link.token}`);
  expect(again?.status()).toBe(401);
  expect(await other.cookies()).toEqual([]);
  await other.close();
  await context.close();
}, 120_000);
