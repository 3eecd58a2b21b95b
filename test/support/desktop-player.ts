// What the desktop player's Chromium tests share: a desktop recording's metadata, the web listener
// and browser they play it in, an auditor's signed-in page that collects the page's problems, and
// the two pictures they compare (the canvas read back, the gateway reader's frame). Its own file
// so the player test and the timeline test stand the player up one way.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Clock, DesktopReader, Logger, RecordingMeta } from '../../core/index.ts';
import type { RunningWebListener } from '../../gateway/index.ts';
import { launchChromium } from './chromium.ts';
import { USER_PASSWORD, type TestVault } from './vault.ts';
import { startTestWebListener } from './test-web-listener.ts';

/** What the page's functions touch (the test's TypeScript has no DOM library). */
interface CanvasGlobals {
  document: {
    querySelector(s: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    } | null;
  };
}

/** The metadata of a test's RDP recording of alice on win01/admin, started now. */
export function desktopRecordingMeta(sessionId: string, startedAt: Date): RecordingMeta {
  return {
    sessionId,
    user: 'alice',
    target: 'win01/admin',
    protocol: 'rdp',
    cols: 0,
    rows: 0,
    source: 'test',
    startedAt,
  };
}

const quiet: Logger = { log: () => undefined };

/**
 * The web listener (on the test's clock) and Chromium the player runs in. `stop()` closes
 * whatever `start()` opened, browser first, so it is safe in an afterAll after a failed start.
 */
export function playerStand(): {
  start(v: TestVault, clock: Clock): Promise<{ web: RunningWebListener; browser: Browser }>;
  stop(): Promise<void>;
} {
  let web: RunningWebListener | undefined;
  let browser: Browser | undefined;
  return {
    async start(v, clock) {
      const started = await startTestWebListener({ core: v.core, logger: quiet, clock });
      web = started.web;
      browser = await launchChromium();
      return { web: started.web, browser };
    },
    async stop() {
      await browser?.close();
      await web?.close();
    },
  };
}

/**
 * A fresh page signed in as `username` (password USER_PASSWORD) and on the recordings list, with
 * every CSP refusal, uncaught error and failed response it meets collected in `problems`.
 */
export async function signedInPage(
  browser: Browser,
  web: RunningWebListener,
  username: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[]; base: string }> {
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
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', USER_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/recordings`);
  return { context, page, problems, base };
}

/** The canvas at `selector` read back: its width and height (low bytes), then its RGBA pixels. */
export async function canvasPixels(page: Page, selector: string): Promise<Buffer> {
  return Buffer.from(
    await page.evaluate((sel) => {
      const c = (globalThis as unknown as CanvasGlobals).document.querySelector(sel)!;
      return [
        c.width,
        c.height,
        ...Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
      ];
    }, selector),
  );
}

/** The reader's frame at `t` seconds in the same form as canvasPixels, to compare them. */
export async function replayedPixels(reader: DesktopReader, t: number): Promise<Buffer> {
  const f = await reader.frameAt(t);
  return Buffer.concat([Buffer.from([f.width & 255, f.height & 255]), Buffer.from(f.rgba)]);
}
