// The desktop player's timeline, from a real recording through the encrypted container: markers
// at their times, the keyframes the chunks hold (each one's image is the screen at its moment),
// key presses and pointer events in the seconds they happened, how much of the screen changed,
// and the idle stretches (no input, a small square a second) between the busy seconds. The
// thumbnail of a keyframe is that screen averaged down to 160 pixels wide.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openFileSource } from '../../core/recording/byte-source.ts';
import { OpenedContainer } from '../../core/recording/container-reader.ts';
import { DesktopReader } from '../../core/recording/desktop-reader.ts';
import { scaleDown, thumbnailPng } from '../../core/recording/desktop-thumbnail.ts';
import { DesktopWriter } from '../../core/recording/desktop-writer.ts';
import { containerHeader } from '../../core/recording/recording-store.ts';
import { ContainerSink } from '../../core/recording/recording-sink.ts';
import { loadOrCreateSigningKey } from '../../core/recording/signing-key.ts';
import { ManualTimers } from '../../core/timers.ts';
import type { DesktopInput } from '../../protocols/rdp/types.ts';
import { RawFramebuffer, solidRect, squareStep } from '../support/raw-framebuffer.ts';

const fb = (w: number, h: number) => new RawFramebuffer(w, h);
let tmp: string;
let reader: DesktopReader;

/** What happens in the recording, second by second (320×200: 2 % of the screen is 1,280 pixels). */
const KEYS_AT = [3.2, 4.5];
const POINTER_AT = 10.5;
const BIG_UPDATE_AT = 30;
const MARKERS = [
  { t: 0, label: 'session start: alice on win01/admin' },
  { t: 12, label: 'shadow joined: bob' },
  { t: 40, label: 'shadow left: bob' },
  { t: 60, label: 'terminated by admin: done' },
];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'custody-desktop-timeline-'));
  const signer = await loadOrCreateSigningKey(path.join(tmp, 'signing.key'));
  const timers = new ManualTimers('2026-03-04T10:00:00Z');
  const file = path.join(tmp, 'timeline.rec');
  const dataKey = randomBytes(32);
  const meta = {
    sessionId: 's-timeline',
    user: 'alice',
    target: 'win01/admin',
    protocol: 'rdp',
    cols: 0,
    rows: 0,
    source: '10.0.0.9',
    startedAt: timers.now(),
  };
  const sink = await ContainerSink.create(await open(file, 'wx'), {
    header: containerHeader('timeline', meta, 'desktop'),
    dataKey,
    signer,
    now: () => timers.now(),
  });
  const w = new DesktopWriter({
    id: 'timeline',
    path: file,
    clock: timers,
    timers,
    policy: 'strict',
    sink,
    size: { width: 320, height: 200 },
    framebuffer: fb,
    // A keyframe on every interval of a changing screen, so the test knows where they are.
    keyframeMinBytes: 0,
  });
  // Moves the clock to `t` seconds from the start (the writer flushes every second on its timer).
  let now = 0;
  const at = async (t: number) => {
    timers.advance(Math.round((t - now) * 1000));
    now = t;
    await w.drained();
  };
  const input = (ev: DesktopInput) => w.input(ev);
  w.marker(MARKERS[0]!.label);
  w.update([solidRect(0, 0, 320, 200, [20, 40, 60])]);
  const happenings: { t: number; run: () => void }[] = [
    ...Array.from({ length: 60 }, (_, i) => ({
      t: i + 1,
      run: () => w.update([squareStep(i + 1, 320, 200)]),
    })),
    ...KEYS_AT.flatMap((t) => [
      { t, run: () => input({ kind: 'key', scancode: 0x1e, extended: false, down: true }) },
      { t: t + 0.1, run: () => input({ kind: 'key', scancode: 0x1e, extended: false, down: false }) },
    ]),
    { t: POINTER_AT, run: () => input({ kind: 'move', x: 40, y: 50 }) },
    { t: POINTER_AT + 0.1, run: () => input({ kind: 'button', button: 1, down: true, x: 40, y: 50 }) },
    { t: POINTER_AT + 0.2, run: () => input({ kind: 'button', button: 1, down: false, x: 40, y: 50 }) },
    { t: BIG_UPDATE_AT + 0.5, run: () => w.update([solidRect(50, 50, 200, 100, [200, 30, 30])]) },
    ...MARKERS.slice(1).map((m) => ({ t: m.t, run: () => w.marker(m.label) })),
  ].sort((a, b) => a.t - b.t);
  for (const h of happenings) {
    await at(h.t);
    h.run();
  }
  await w.close();
  reader = new DesktopReader(await OpenedContainer.open((await openFileSource(file))!, dataKey), fb);
});
afterAll(async () => {
  await reader?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it('markers, keyframes, input and screen activity land in the seconds they happened', async () => {
  const t = await reader.timeline();
  expect(Object.keys(t).sort()).toEqual(
    ['bucketSeconds', 'durationMs', 'idle', 'keyframes', 'keys', 'markers', 'painted', 'pointer'].sort(),
  );
  expect(t.durationMs).toBe(60_000);
  expect(t.markers).toEqual(MARKERS);
  expect(t.bucketSeconds).toBe(1);
  expect(t.keys).toHaveLength(61);

  // The keyframes are exactly the chunks that hold one, at the moment each was taken.
  const held: { t: number; chunk: number }[] = [];
  for (let i = 0; i < reader.chunks; i++) {
    const k = (await reader.chunk(i)).keyframe;
    if (k) held.push({ t: k.tMs / 1000, chunk: i });
  }
  expect(held.length).toBeGreaterThanOrEqual(5);
  expect(t.keyframes).toEqual(held);

  const seconds = (values: number[]) => values.flatMap((v, s) => (v ? [s] : []));
  expect(seconds(t.keys)).toEqual([3, 4]);
  expect(t.keys[3]).toBe(1); // presses, not releases
  expect(seconds(t.pointer)).toEqual([10]);
  expect(t.pointer[10]).toBe(3);
  expect(t.painted[0]).toBe(1);
  expect(t.painted[BIG_UPDATE_AT]).toBeCloseTo((200 * 100 + 16 * 16) / (320 * 200), 2);
  expect(t.painted[20]).toBeCloseTo((16 * 16) / (320 * 200), 2);

  // Idle: five quiet seconds or more; the key seconds, the click and the big update break it up.
  expect(t.idle).toEqual([
    { from: 5, to: 10 },
    { from: 11, to: 30 },
    { from: 31, to: 60 },
  ]);
});

it("a keyframe's image is the screen at its moment, and its thumbnail that screen averaged down", async () => {
  const { keyframes } = await reader.timeline();
  for (const k of keyframes) {
    const image = await reader.keyframeImage(k.chunk);
    // The keyframe is taken when the flush runs, before what happens at that same millisecond
    // afterwards (here the second's square): the screen just before its moment.
    const screen = await reader.frameAt(k.t - 0.001);
    expect(image.t).toBe(k.t);
    expect(Buffer.from(image.rgba).equals(Buffer.from(screen.rgba)), `keyframe at ${k.t} s`).toBe(true);
    const png = PNG.sync.read(thumbnailPng(image.rgba, image.width, image.height));
    expect([png.width, png.height]).toEqual([160, 100]);
    // Each thumbnail pixel averages a 2×2 cell of the screen.
    const want = scaleDown(image.rgba, image.width, image.height);
    expect(png.data.equals(Buffer.from(want.rgba))).toBe(true);
    const cell = (x: number, y: number, c: number) =>
      [0, 1].flatMap((dy) => [0, 1].map((dx) => screen.rgba[((2 * y + dy) * 320 + 2 * x + dx) * 4 + c]!));
    const avg = (v: number[]) => Math.round(v.reduce((a, b) => a + b, 0) / v.length);
    for (const [x, y] of [
      [0, 0],
      [60, 40],
      [159, 99],
    ] as const)
      for (const c of [0, 1, 2]) expect(png.data[(y * 160 + x) * 4 + c]).toBe(avg(cell(x, y, c)));
  }
  await expect(reader.keyframeImage(reader.chunks + 3)).rejects.toThrow(/has no chunk/);
});
