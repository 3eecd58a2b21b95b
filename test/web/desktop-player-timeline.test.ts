// The desktop player's timeline in a real Chromium: the marker list (a click seeks to the marker
// and the canvas shows the reader's screen for that moment), the keyframes' thumbnails (their
// pixels are the keyframe averaged down; a click seeks there), the activity track (keys, mouse,
// markers and idle stretches drawn where they happened), skip idle (playing into an idle stretch
// jumps to its last second, onto the right screen) and the speeds 0.5 to 8×. The recording is
// written on a manual clock; the browser only plays it.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock, scaleDown, type Actor } from '../../core/index.ts';
import type { RunningWebListener } from '../../gateway/index.ts';
import type { DesktopTimeline } from '../../protocols/rdp/desktop-timeline.ts';
import type { DesktopInput } from '../../protocols/rdp/types.ts';
import {
  canvasPixels,
  desktopRecordingMeta,
  playerStand,
  replayedPixels,
  signedInPage,
} from '../support/desktop-player.ts';
import { solidRect, squareStep } from '../support/raw-framebuffer.ts';
import { createTestVault, USER_PASSWORD, type TestVault } from '../support/vault.ts';

/** What the page's functions touch (the test's TypeScript has no DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(img: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
}
interface PageGlobals {
  document: {
    getElementById(id: string): { dataset: Record<string, string | undefined> } | null;
    querySelector(s: string): CanvasLike | null;
    querySelectorAll(s: string): ArrayLike<{
      textContent: string | null;
      complete: boolean;
      naturalWidth: number;
      naturalHeight: number;
    }>;
    createElement(kind: 'canvas'): CanvasLike;
  };
  custodyDesktopPlayer: {
    seek(t: number): Promise<void>;
    play(): void;
    pause(): void;
    setSpeed(s: number): void;
    setSkipIdle(on: boolean): void;
    timeline(): DesktopTimeline | undefined;
  };
}

const clock = new ManualClock('2026-03-04T10:00:00Z');
const W = 400;
const H = 250;
const SECONDS = 90;
/** Busy (the whole screen repainted every second, with keys or the mouse) outside 10–60 s. */
const busy = (s: number) => s < 10 || s >= 60;
const MARKERS = [
  { t: 0, label: 'session start: alice on win01/admin' },
  { t: 15, label: 'shadow joined: bob' },
  { t: 70, label: 'shadow left: bob' },
  { t: 90, label: 'terminated by admin: done' },
];
let v: TestVault;
let auditor: Actor;
let web: RunningWebListener;
let browser: Browser;
let id: string;
const stand = playerStand();

beforeAll(async () => {
  v = await createTestVault({ clock });
  auditor = await v.addUser('tina', 'auditor');
  const w = await v.core.system.openDesktopRecording(
    desktopRecordingMeta('s-desktop-timeline', clock.now()),
    'strict',
    { size: { width: W, height: H } },
  );
  const input = (ev: DesktopInput) => w.input(ev);
  w.marker(MARKERS[0]!.label);
  w.update([solidRect(0, 0, W, H, [10, 20, 30])]);
  for (let s = 1; s <= SECONDS; s++) {
    clock.advance(1000);
    if (busy(s)) {
      // A distinct whole screen (a gradient in a colour of its own), and the operator at work.
      w.update([solidRect(0, 0, W, H, [0, 0, 0], (i) => [(s * 29) % 256, (i % W) % 256, (s * 7 + i) % 256])]);
      if (s < 10) {
        input({ kind: 'key', scancode: 0x10 + s, extended: false, down: true });
        input({ kind: 'key', scancode: 0x10 + s, extended: false, down: false });
      } else input({ kind: 'move', x: s * 3, y: s * 2 });
    }
    w.update([squareStep(s, W, H)]);
    for (const m of MARKERS) if (m.t === s) w.marker(m.label);
    await w.drained();
  }
  await w.close();
  id = w.id;
  ({ web, browser } = await stand.start(v, clock));
}, 120_000);
afterAll(async () => {
  await stand.stop();
  await v?.close();
});

const state = (page: Page) =>
  page.evaluate(() => ({
    ...(globalThis as unknown as PageGlobals).document.getElementById('desktop-player')!.dataset,
  }));

const playerCanvas = (page: Page) => canvasPixels(page, '#desktop-player > canvas');

it('markers, thumbnails, the activity track and skip idle, in Chromium', async () => {
  const { context, page, problems, base } = await signedInPage(browser, web, 'tina');
  await page.goto(`${base}/recordings/${id}/desktop`);
  await page.waitForFunction(() => {
    const d = (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')?.dataset;
    return d?.state === 'paused' && d.timeline === 'ready';
  });
  const reader = await v.core.recordings.openDesktopReader(auditor, id);
  const replayed = (t: number) => replayedPixels(reader, t);
  const settled = () =>
    page.waitForFunction(
      () =>
        (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')!.dataset.state ===
        'paused',
    );
  const timeline = (await page.evaluate(() =>
    (globalThis as unknown as PageGlobals).custodyDesktopPlayer.timeline(),
  ))!;
  expect(timeline).toEqual(await reader.timeline());

  // The marker list, in order with their times; a click seeks to the marker.
  const items = await page.evaluate(() =>
    Array.from(
      (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-role="markers"] li'),
    ).map((li) => li.textContent),
  );
  expect(items).toEqual([
    '0:00 session start: alice on win01/admin',
    '0:15 shadow joined: bob',
    '1:10 shadow left: bob',
    '1:30 terminated by admin: done',
  ]);
  await page.click('[data-role="markers"] li:nth-child(3) button');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')!.dataset.position ===
      '70.000',
  );
  await settled();
  expect((await playerCanvas(page)).equals(await replayed(70)), 'canvas after the marker click').toBe(true);
  expect((await replayed(70)).equals(await replayed(68))).toBe(false);

  // A thumbnail per keyframe (there are fewer than twelve), each the keyframe averaged down.
  expect(timeline.keyframes.length).toBeGreaterThanOrEqual(4);
  expect(timeline.keyframes.length).toBeLessThanOrEqual(12);
  await page.waitForFunction((n) => {
    const imgs = Array.from(
      (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-role="thumbnails"] img'),
    );
    return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, timeline.keyframes.length);
  for (const [n, k] of timeline.keyframes.entries()) {
    const got = await page.evaluate((i) => {
      const img = (globalThis as unknown as PageGlobals).document.querySelectorAll(
        '[data-role="thumbnails"] img',
      )[i]!;
      const c = (globalThis as unknown as PageGlobals).document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      c.getContext('2d').drawImage(img, 0, 0);
      return [
        c.width,
        c.height,
        ...Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
      ];
    }, n);
    const image = await reader.keyframeImage(k.chunk);
    const want = scaleDown(image.rgba, image.width, image.height);
    expect(got.slice(0, 2)).toEqual([160, 100]);
    expect(Buffer.from(got.slice(2)).equals(Buffer.from(want.rgba)), `thumbnail ${n} (${k.t} s)`).toBe(true);
  }
  const second = timeline.keyframes[1]!;
  await page.click('[data-role="thumbnails"] button:nth-child(2)');
  await page.waitForFunction(
    (t) =>
      (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')!.dataset.position ===
      t.toFixed(3),
    second.t,
  );
  await settled();
  expect(
    (await playerCanvas(page)).equals(await replayed(second.t)),
    'canvas after the thumbnail click',
  ).toBe(true);

  // The activity track: 800 pixels for 90 s, rows of 12 (screen, keys, mouse), markers in red.
  const pixel = (x: number, y: number) =>
    page.evaluate(
      ([px, py]) =>
        Array.from(
          (globalThis as unknown as PageGlobals).document
            .querySelector('[data-role="activity"]')!
            .getContext('2d')
            .getImageData(px!, py!, 1, 1).data,
        ),
      [x, y],
    );
  const xOf = (s: number) => Math.round(((s + 0.5) / SECONDS) * 800);
  const KEYS = [0x20, 0x60, 0xc0, 255];
  const MOUSE = [0x20, 0xa0, 0x50, 255];
  const IDLE = [0xdc, 0xdc, 0xdc, 255];
  const MARKER = [0xd0, 0x30, 0x30, 255];
  expect(await pixel(xOf(3), 23), 'keys at 3 s').toEqual(KEYS);
  expect(await pixel(xOf(65), 35), 'the mouse at 65 s').toEqual(MOUSE);
  expect(await pixel(xOf(65), 23), 'no keys at 65 s').not.toEqual(KEYS);
  expect(await pixel(xOf(30), 23), 'idle at 30 s').toEqual(IDLE);
  expect(await pixel(xOf(30), 35), 'idle at 30 s').toEqual(IDLE);
  expect(await pixel(Math.round((15 / SECONDS) * 800), 0), 'the marker at 15 s').toEqual(MARKER);

  // Skip idle: one stretch, from the last busy second to the next; playing into it at 1× jumps
  // to its last second (a seek: it lies past what was fetched) and plays on from there.
  expect(timeline.idle).toEqual([{ from: 10, to: 60 }]);
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).custodyDesktopPlayer.setSkipIdle(true);
    (globalThis as unknown as PageGlobals).custodyDesktopPlayer.setSpeed(1);
  });
  await page.evaluate(() => (globalThis as unknown as PageGlobals).custodyDesktopPlayer.seek(8));
  await page.evaluate(() => (globalThis as unknown as PageGlobals).custodyDesktopPlayer.play());
  await page.waitForFunction(
    () => {
      const d = (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')!.dataset;
      return d.lastSkip === '10-60' && Number(d.position) >= 60.5;
    },
    null,
    { timeout: 20_000 },
  );
  await page.evaluate(() => (globalThis as unknown as PageGlobals).custodyDesktopPlayer.pause());
  const at = Number((await state(page)).position);
  expect((await state(page)).skips).toBe('1');
  expect(at).toBeGreaterThanOrEqual(60.5);
  // Not on an event's millisecond, so the canvas and the reader agree on which events are in.
  expect((await playerCanvas(page)).equals(await replayed(at)), `canvas at ${at} s after the skip`).toBe(
    true,
  );

  // Speeds 0.5 to 8×: each one offered and taken; 8× plays to the end.
  const speeds = await page.evaluate(() =>
    Array.from(
      (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-act="speed"] option'),
    ).map((o) => o.textContent),
  );
  expect(speeds).toEqual(['0.5×', '1×', '2×', '4×', '8×']);
  await page.selectOption('[data-act="speed"]', '8');
  await page.evaluate(() => (globalThis as unknown as PageGlobals).custodyDesktopPlayer.play());
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')!.dataset.state ===
      'ended',
    null,
    {
      timeout: 30_000,
    },
  );
  expect((await playerCanvas(page)).equals(await replayed(SECONDS))).toBe(true);
  await reader.close();
  expect(problems, problems.join('\n')).toEqual([]);

  // The timeline and the thumbnails are read with the player's permission and add no audit row
  // (opening the page and seeking did); a user who may not read recordings gets neither.
  const exports = async () =>
    (await v.core.audit.query(v.host, { type: 'recording.export', limit: 500 })).length;
  const before = await exports();
  const urls = [
    `${base}/recordings/${id}/desktop/timeline`,
    `${base}/recordings/${id}/desktop/thumbnail?chunk=${timeline.keyframes[0]!.chunk}`,
  ];
  for (const url of urls) expect((await context.request.get(url)).status(), url).toBe(200);
  expect(await exports()).toBe(before);
  await context.close();
  await v.addUser('pete', 'password-user');
  const other = await browser.newContext({ ignoreHTTPSErrors: true });
  const page2 = await other.newPage();
  await page2.goto(`${base}/signin`);
  await page2.fill('input[name=username]', 'pete');
  await page2.fill('input[name=password]', USER_PASSWORD);
  await page2.click('button[type=submit]');
  await page2.waitForURL((u) => !u.pathname.startsWith('/signin'));
  for (const url of urls) expect((await other.request.get(url)).status(), url).toBe(403);
  await other.close();
}, 120_000);
