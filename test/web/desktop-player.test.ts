// The desktop recording player in a real Chromium: the recordings list links an RDP recording to
// it, a seek shows on the canvas exactly the pixels the gateway's reader replays for that moment
// (read back from the canvas), and playback at 8× fetches the following stretches and ends on the
// recording's last screen. Recording timestamps come from a manual clock, not from sleeping.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock, type Actor } from '../../core/index.ts';
import type { RunningWebListener } from '../../gateway/index.ts';
import {
  canvasPixels,
  desktopRecordingMeta,
  playerStand,
  replayedPixels,
  signedInPage,
} from '../support/desktop-player.ts';
import { encodeInterleaved } from '../support/rdp-bitmap-encoder.ts';
import { squareStep } from '../support/raw-framebuffer.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

/** What the page's functions touch (the test's TypeScript has no DOM library). */
interface PageGlobals {
  document: {
    getElementById(id: string): { dataset: Record<string, string | undefined> } | null;
  };
}

const clock = new ManualClock('2026-03-04T10:00:00Z');
const SECONDS = 80;
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
    desktopRecordingMeta('s-desktop-web', clock.now()),
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
  ({ web, browser } = await stand.start(v, clock));
}, 120_000);
afterAll(async () => {
  await stand.stop();
  await v?.close();
});

it('seeks show the replayed pixels on the canvas; 8× playback reads on to the last screen', async () => {
  const { context, page, problems, base } = await signedInPage(browser, web, 'tina');
  await page.click(`a[href="/recordings/${id}/desktop"]`);
  await page.waitForURL(`${base}/recordings/${id}/desktop`);
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.getElementById('desktop-player')?.dataset.state ===
      'paused',
  );

  const canvas = () => canvasPixels(page, '#desktop-player canvas');
  const reader = await v.core.recordings.openDesktopReader(auditor, id);
  const replayed = (t: number) => replayedPixels(reader, t);
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
    const got = await canvas();
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
  expect((await canvas()).equals(await replayed(SECONDS))).toBe(true);
  await reader.close();
  expect(problems, problems.join('\n')).toEqual([]);
  await context.close();
}, 120_000);
