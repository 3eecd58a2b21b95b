// The desktop recorder and its reader, through the real encrypted container: a synthetic session
// (raw bitmaps painted on a manual clock) is written, then replayed at many moments and compared
// with the screen the writer's side had at each of them; a seek replays the same bounded number
// of events wherever it lands; the file holds none of the painted pixel rows.
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileSource } from '../../core/recording/byte-source.ts';
import { OpenedContainer } from '../../core/recording/container-reader.ts';
import { verifyContainer } from '../../core/recording/container-verify.ts';
import { DesktopReader } from '../../core/recording/desktop-reader.ts';
import { DesktopWriter } from '../../core/recording/desktop-writer.ts';
import { desktopStill } from '../../core/recording/desktop-still.ts';
import { PNG } from 'pngjs';
import { ContainerSink } from '../../core/recording/recording-sink.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../core/recording/signing-key.ts';
import { containerHeader } from '../../core/recording/recording-store.ts';
import { ManualTimers } from '../../core/timers.ts';
import type { DesktopInput } from '../../protocols/rdp/types.ts';
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
import { encodeInterleaved } from '../support/rdp-bitmap-encoder.ts';
import { RawFramebuffer, solidRect, squareStep } from '../support/raw-framebuffer.ts';

const fb = (w: number, h: number) => new RawFramebuffer(w, h);

/** Replayed screens are opaque (never-painted pixels included): compare like with like. */
function opaque(rgba: Uint8ClampedArray): Uint8ClampedArray {
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return rgba;
}

const square = squareStep;

describe('desktop recordings', () => {
  let tmp: string;
  let signer: SigningKey;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'custody-desktop-'));
    signer = await loadOrCreateSigningKey(path.join(tmp, 'signing.key'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function newWriter(
    id: string,
    o: {
      keyframeIntervalMs?: number;
      keyframeMinBytes?: number;
      size?: [number, number];
      decoder?: boolean;
    } = {},
  ) {
    const timers = new ManualTimers('2026-03-04T10:00:00Z');
    const file = path.join(tmp, `${id}.rec`);
    const dataKey = randomBytes(32);
    const meta = {
      sessionId: `s-${id}`,
      user: 'alice',
      target: 'win01/admin',
      protocol: 'rdp',
      cols: 0,
      rows: 0,
      source: '10.0.0.9',
      startedAt: timers.now(),
    };
    const sink = await ContainerSink.create(await open(file, 'wx'), {
      header: containerHeader(id, meta, 'desktop'),
      dataKey,
      signer,
      now: () => timers.now(),
    });
    const [width, height] = o.size ?? [320, 200];
    const writer = new DesktopWriter({
      id,
      path: file,
      clock: timers,
      timers,
      policy: 'strict',
      sink,
      size: { width, height },
      ...(o.decoder ? {} : { framebuffer: fb }),
      flushIntervalMs: 1000,
      ...(o.keyframeIntervalMs ? { keyframeIntervalMs: o.keyframeIntervalMs } : {}),
      // The small squares painted here are "small changes"; most tests want a keyframe on every
      // interval regardless, and say so.
      keyframeMinBytes: o.keyframeMinBytes ?? 0,
    });
    const reader = async () => {
      const c = await OpenedContainer.open((await openFileSource(file))!, dataKey);
      return o.decoder ? new DesktopReader(c) : new DesktopReader(c, fb);
    };
    return { timers, file, dataKey, writer, reader };
  }

  it('replays the screen the writer had at every moment asked, across keyframes and a resize', async () => {
    const { timers, writer, reader } = await newWriter('replay', { keyframeIntervalMs: 2000 });
    const truth = new RawFramebuffer(320, 200);
    const inputs: DesktopInput[] = [];
    // The moments asked for, and the screen the writer's side had at each (after every step at
    // or before it; steps are 250 ms apart, so 0 and 0.1 are the blank screen).
    const at = [0, 0.1, 1.0, 3.3, 7.75, 12, 19.9, 20.25, 29.5, 39.75, 45];
    const expected = new Map<number, { width: number; height: number; rgba: Uint8ClampedArray }>();
    const keep = (from: number, to: number) => {
      for (const m of at)
        if (m >= from && m < to)
          expected.set(m, { width: truth.width, height: truth.height, rgba: opaque(truth.snapshot()) });
    };
    keep(0, 0.25);
    // 160 steps of 250 ms: a square each, a key every fourth, a resize at 20 s.
    for (let i = 1; i <= 160; i++) {
      timers.advance(250);
      const t = i * 0.25;
      if (t === 20) {
        writer.resize(400, 240);
        truth.resize(400, 240);
      }
      const rect = square(i, truth.width, truth.height);
      writer.update([rect]);
      truth.apply(rect);
      if (i % 4 === 0) {
        const key: DesktopInput = { kind: 'key', scancode: 0x1e, extended: false, down: i % 8 === 0 };
        writer.input(key);
        inputs.push(key);
      }
      if (i === 80) writer.marker('shadow joined: bob');
      await writer.drained();
      keep(t, i === 160 ? Infinity : t + 0.25);
    }
    await writer.close();

    const r = await reader();
    expect(r.duration).toBeCloseTo(40, 1);
    expect(expected.size).toBe(at.length);
    for (const t of at) {
      const want = expected.get(t)!;
      const got = await r.frameAt(t);
      expect([got.width, got.height], `size at ${t}s`).toEqual([want.width, want.height]);
      expect(Buffer.from(got.rgba).equals(Buffer.from(want.rgba)), `pixels at ${t}s`).toBe(true);
    }
    expect(await r.markers()).toEqual([{ t: 20, label: 'shadow joined: bob' }]);
    // Playback from 30 s: the screen then, then every later event in order, input included.
    const steps = [];
    for await (const s of r.playback(30)) steps.push(s);
    expect(steps[0]).toMatchObject({ kind: 'screen', t: 30, frame: { width: 400, height: 240 } });
    expect(steps.filter((s) => s.kind === 'rect')).toHaveLength(40);
    expect(steps.flatMap((s) => (s.kind === 'input' ? [s.input] : []))).toEqual(inputs.slice(-10));
    await r.close();
  });

  it('with the RDP decoder: compressed 16 bpp tiles replay to the pixels the decoder drew live', async () => {
    const { timers, writer, reader } = await newWriter('decoder', {
      keyframeIntervalMs: 3000,
      decoder: true,
    });
    const truth = new Framebuffer(320, 200);
    const shots: { t: number; rgba: Uint8ClampedArray }[] = [];
    for (let i = 1; i <= 40; i++) {
      timers.advance(500);
      // A 64×32 tile of horizontal bands whose colours change with i: runs, fills and literals.
      const pixels = Array.from(
        { length: 64 * 32 },
        (_, p) => ((Math.floor(p / 64) >> 2) * 2117 + i * 331) & 0xffff,
      );
      const x = (i * 29) % 256;
      const y = (i * 17) % 168;
      const rect = {
        left: x,
        top: y,
        right: x + 63,
        bottom: y + 31,
        width: 64,
        height: 32,
        bpp: 16 as const,
        compressed: true,
        data: encodeInterleaved(pixels, 64, 32, 16),
      };
      writer.update([rect]);
      truth.apply(rect);
      await writer.drained();
      if (i % 7 === 0) shots.push({ t: i * 0.5, rgba: truth.snapshot() });
    }
    await writer.close();
    const r = await reader();
    for (const shot of shots)
      expect(
        Buffer.from((await r.frameAt(shot.t)).rgba).equals(Buffer.from(shot.rgba)),
        `at ${shot.t}s`,
      ).toBe(true);
    await r.close();
  });

  it('a resize mid-recording (a reconnect at a new size): a keyframe at the new size ends its chunk; stills before and after have each size', async () => {
    // Keyframes on their interval alone would come a minute apart: only the resize causes one.
    const { timers, writer, reader, file, dataKey } = await newWriter('resize-keyframe', {
      keyframeIntervalMs: 60_000,
      keyframeMinBytes: 1 << 30,
      decoder: true,
    });
    const before = solidRect(0, 0, 320, 200, [200, 0, 0]);
    const after = solidRect(0, 0, 640, 400, [0, 0, 200]);
    timers.advance(500);
    writer.update([before]);
    timers.advance(1500);
    await writer.flush();
    timers.advance(500);
    // The gateway's order on a reconnect: the size, then the new desktop's first picture.
    writer.resize(640, 400);
    timers.advance(100);
    writer.update([after]);
    timers.advance(900);
    await writer.flush();
    for (let i = 1; i <= 8; i++) {
      timers.advance(250);
      writer.update([square(i, 640, 400)]);
    }
    await writer.close();

    const r = await reader();
    const t = await r.timeline();
    expect(t.keyframes.map((k) => k.t)).toEqual([2.6]);
    const k = await r.keyframeImage(t.keyframes[0]!.chunk);
    expect([k.width, k.height]).toEqual([640, 400]);
    // What the resized desktop painted first, not a blank of the new size.
    expect(Array.from(k.rgba.subarray(0, 4))).toEqual([0, 0, 200, 255]);
    await r.close();
    // `recordings export --format png --at`: each side of the resize at its own size and colour.
    for (const [at, size, rgb] of [
      [1, [320, 200], [200, 0, 0]],
      [3, [640, 400], [0, 0, 200]],
      [4, [640, 400], [0, 0, 200]],
    ] as const) {
      const c = await OpenedContainer.open((await openFileSource(file))!, dataKey);
      const still = await desktopStill(c, at);
      await c.close();
      const png = PNG.sync.read(still.png);
      expect([png.width, png.height], `size at ${at}s`).toEqual(size);
      expect(Array.from(png.data.subarray(0, 3)), `colour at ${at}s`).toEqual(rgb);
    }
  });

  it('a seek replays the same bounded number of events at the start, the middle and the end', async () => {
    const { timers, writer, reader } = await newWriter('seek-cost', { keyframeIntervalMs: 5000 });
    // Ten minutes, four squares a second: 2400 rectangles.
    for (let i = 1; i <= 2400; i++) {
      timers.advance(250);
      writer.update([square(i, 320, 200)]);
      if (i % 4 === 0) await writer.drained();
    }
    await writer.close();
    const r = await reader();
    const costs: number[] = [];
    for (const t of [2, 61.1, 299.9, 300.3, 451.7, 598.2, 600]) costs.push((await r.frameAt(t)).replayed);
    // At most one keyframe interval (5 s) plus one flush (1 s) of squares: 24, never 2400.
    expect(Math.max(...costs)).toBeLessThanOrEqual(24);
    // And as much at the end as near the start (past the first keyframe).
    expect(Math.min(...costs.slice(1))).toBeGreaterThan(0);
    const late = await r.frameAt(598.2);
    expect(late.fromKeyframe).toBeDefined();
    await r.close();
  });

  it('a screen that changes little (a ticking clock) gets a keyframe every six intervals, a busy one every interval', async () => {
    const keyframeTimes = async (id: string, paint: (i: number) => ReturnType<typeof square>) => {
      const { timers, writer, reader } = await newWriter(id, {
        keyframeIntervalMs: 5000,
        keyframeMinBytes: 64 * 1024,
      });
      for (let i = 1; i <= 120; i++) {
        timers.advance(1000);
        writer.update([paint(i)]);
        await writer.drained();
      }
      await writer.close();
      const r = await reader();
      const times: number[] = [];
      for (let c = 0; c < r.chunks; c++) {
        const k = (await r.chunk(c)).keyframe;
        if (k) times.push(k.tMs / 1000);
      }
      // Whatever the spacing, every moment still replays to the screen painted by then.
      const last = await r.frameAt(120);
      await r.close();
      return { times, last };
    };
    // A 16×16 square a second (1 KiB raw): under 64 KiB in any 30 s, so one keyframe per 30 s.
    const clock = await keyframeTimes('small-changes', (i) => square(i, 320, 200));
    expect(clock.times).toEqual([30, 60, 90, 120]);
    // A 160×120 rectangle a second (75 KiB raw): past 64 KiB within each 5 s interval.
    const busy = await keyframeTimes('busy-changes', (i) =>
      solidRect((i * 7) % 160, (i * 3) % 80, 160, 120, [i % 256, 90, 200]),
    );
    expect(busy.times).toEqual(Array.from({ length: 24 }, (_, k) => (k + 1) * 5));
    const truth = new RawFramebuffer(320, 200);
    for (let i = 1; i <= 120; i++)
      truth.apply(solidRect((i * 7) % 160, (i * 3) % 80, 160, 120, [i % 256, 90, 200]));
    expect(Buffer.from(busy.last.rgba).equals(Buffer.from(opaque(truth.snapshot())))).toBe(true);
  });

  it('idle: no keyframe is taken while nothing changes, and a flush writes nothing new', async () => {
    const { timers, writer, file } = await newWriter('idle', { keyframeIntervalMs: 2000 });
    writer.update([square(1, 320, 200)]);
    timers.advance(5000);
    await writer.drained();
    const after = (await readFile(file)).length;
    for (let i = 0; i < 60; i++) {
      timers.advance(1000);
      await writer.drained();
    }
    expect((await readFile(file)).length).toBe(after);
    await writer.close();
  });

  it('keeps no painted pixel row in the file, in either byte order, and verifies as complete', async () => {
    const { timers, writer, file, reader, dataKey } = await newWriter('canary', { size: [256, 64] });
    // A pattern no compressor or chance produces: each pixel a distinct (i, 255 - i, i ^ 0x5a) triple.
    const pattern = (i: number): [number, number, number] => [i & 255, 255 - (i & 255), (i & 255) ^ 0x5a];
    const rect = solidRect(0, 0, 256, 64, [0, 0, 0], pattern);
    writer.update([rect]);
    timers.advance(11_000);
    writer.update([solidRect(0, 0, 8, 8, [1, 2, 3])]);
    timers.advance(1000);
    await writer.close();
    const bytes = await readFile(file);
    const rawRow = Buffer.from(rect.data.subarray(0, 256 * 4));
    const r = await reader();
    const rgbaRow = Buffer.from((await r.frameAt(0.5)).rgba.subarray(0, 256 * 4));
    await r.close();
    expect(rgbaRow[0 * 4 + 1]).toBe(255);
    for (const row of [rawRow, rgbaRow])
      for (let at = 0; at + 32 <= row.length; at += 32)
        expect(bytes.includes(row.subarray(at, at + 32))).toBe(false);
    const src = (await openFileSource(file))!;
    const report = await verifyContainer('canary', src, {
      publicKey: createPublicKey(signer.publicPem),
      dataKey,
    });
    await src.close();
    expect(report.status).toBe('intact');
  });
});
