// The desktop recording player in a real Chromium: the recordings list links an RDP recording to
// it, a seek shows on the canvas exactly the pixels the gateway's reader replays for that moment
// (read back from the canvas), and playback at 8× fetches the following stretches and ends on the
// recording's last screen. Recording timestamps come from a manual clock, not from sleeping.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock, type Actor, type Logger } from '../../core/index.ts';
import { startWebListener, type RunningWebListener } from '../../gateway/index.ts';
import { fingerprintOfPem, makeSelfSigned } from '../../gateway/web/certificate.ts';
import { launchChromium } from '../support/chromium.ts';
import { encodeInterleaved } from '../support/rdp-bitmap-encoder.ts';
import { squareStep } from '../support/raw-framebuffer.ts';
import { createTestVault, USER_PASSWORD, type TestVault } from '../support/vault.ts';

/** What the page's functions touch (the test's TypeScript has no DOM library). */
interface PageGlobals {
  document: {
    getElementById(id: string): { dataset: Record<string, string | undefined> } | null;
    querySelector(s: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    } | null;
  };
}

const quiet: Logger = { log: () => undefined };
const clock = new ManualClock('2026-03-04T10:00:00Z');
const SECONDS = 80;
let v: TestVault;
let auditor: Actor;
let web: RunningWebListener;
let browser: Browser;
let id: string;

beforeAll(async () => {
  v = await createTestVault({ clock });
  auditor = await v.addUser('tina', 'auditor');
  const w = await v.core.system.openDesktopRecording(
    {
      sessionId: 's-desktop-web',
      user: 'alice',
      target: 'win01/admin',
      protocol: 'rdp',
      cols: 0,
      rows: 0,
      source: 'test',
      startedAt: clock.now(),
    },
    'strict',
    { size: { width: 320, height: 200 } },
  );
  // A square a second, and a compressed 16 bpp tile every other second.
  for (let i = 1; i <= SECONDS; i++) {
    clock.advance(1000);
    w.update([squareStep(i, 320, 200)]);
    if (i % 2 === 0) {
      const pixels = Array.from({ length: 64 * 16 }, (_, p) => ((p >> 6) * 4099 + i * 977) & 0xffff);
      const x = (i * 41) % 256;
      const y = (i * 13) % 184;
      w.update([
        {
          left: x,
          top: y,
          right: x + 63,
          bottom: y + 15,
          width: 64,
          height: 16,
          bpp: 16,
          compressed: true,
          data: encodeInterleaved(pixels, 64, 16, 16),
        },
      ]);
    }
    await w.drained();
  }
  await w.close();
  id = w.id;
  const pair = makeSelfSigned(['localhost']);
  web = await startWebListener({
    core: v.core,
    host: '127.0.0.1',
    port: 0,
    tls: { ...pair, fingerprint: fingerprintOfPem(pair.certPem) },
    logger: quiet,
    clock,
    sessionMinutes: 30,
  });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await v?.close();
});

it('seeks show the replayed pixels on the canvas; 8× playback reads on to the last screen', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to|Uncaught/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  // Chromium asks for /favicon.ico by itself; anything else not found is the page's fault.
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
  });
  const base = `https://127.0.0.1:${web.port}`;
  await page.goto(`${base}/signin`);
  await page.fill('input[name=username]', 'tina');
  await page.fill('input[name=password]', USER_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/recordings`);
  await page.click(`a[href="/recordings/${id}/desktop"]`);
  await page.waitForURL(`${base}/recordings/${id}/desktop`);
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')?.dataset.state ===
      'paused',
  );

  const canvasPixels = async () =>
    Buffer.from(
      await page.evaluate(() => {
        const c = (globalThis as unknown as PageGlobals).document.querySelector('#desktop-player canvas')!;
        return [
          c.width,
          c.height,
          ...Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
        ];
      }),
    );
  const reader = await v.core.recordings.openDesktopReader(auditor, id);
  const replayed = async (t: number) => {
    const f = await reader.frameAt(t);
    return Buffer.concat([Buffer.from([f.width & 255, f.height & 255]), Buffer.from(f.rgba)]);
  };
  const seek = (t: number) =>
    page.evaluate(
      (at) =>
        (
          globalThis as unknown as { custodyDesktopPlayer: { seek(t: number): Promise<void> } }
        ).custodyDesktopPlayer.seek(at),
      t,
    );

  // Before the first keyframe, across keyframes, and at an exact event time.
  for (const t of [5.5, 47.3, 63]) {
    await seek(t);
    const want = await replayed(t);
    const got = await canvasPixels();
    expect(got.length, `canvas size at ${t}s`).toBe(want.length);
    expect(got.equals(want), `canvas pixels at ${t}s`).toBe(true);
    // Pixels differ between moments: the comparison is not between two blank screens.
    expect(want.equals(await replayed(t - 3))).toBe(false);
  }

  // From 40 s at 8×: the seek's stretch reaches 70 s, the rest comes from continuations.
  await seek(40);
  await page.selectOption('[data-act="speed"]', '8');
  await page.click('[data-act="play"]');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')?.dataset.state ===
      'ended',
    null,
    {
      timeout: 30_000,
    },
  );
  expect((await canvasPixels()).equals(await replayed(SECONDS))).toBe(true);
  await reader.close();
  expect(problems, problems.join('\n')).toEqual([]);
  await context.close();
}, 120_000);
