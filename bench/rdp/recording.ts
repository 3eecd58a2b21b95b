/**
 * Desktop recording figures, through the real DesktopWriter, the encrypted and signed container
 * and the DesktopReader (the RDP decoder's framebuffer on both sides, as the gateway runs them):
 *
 * - idle: a full desktop painted once, then a clock-like 80×16 update every second, for a whole
 *   hour on a manual clock (not extrapolated): the keyframe every 10 s of a changing screen is
 *   what an idle desktop costs;
 * - drag: a continuous window drag as xrdp sends it, a distinct 1024×40 16 bpp strip 30 times a
 *   second, for BUSY_SECONDS on a manual clock, extrapolated to an hour;
 * - real: a REAL FreeRDP shadow desktop (test/support/rdp-servers.ts, needs root and the Debian
 *   packages) recorded live from the gateway's RDP engine while an xterm scrolls (a typed
 *   `ls -l` loop) and then while xdotool drags the xterm around, REAL_SECONDS each, extrapolated
 *   to an hour. Skipped, with the reason, where the server cannot run;
 * - seek: the time and the events replayed to reach the frame at 10 %, 50 % and 90 % of the idle
 *   hour and of the drag recording, and the most replayed over 40 moments across it (bounded
 *   wherever it lands: one keyframe and at most one interval of updates);
 * - replay: the whole drag recording played through the decoder, as recording seconds per second;
 * - timeline: the time to build the player's timeline (markers, keyframes, activity, idle
 *   stretches) of the idle hour and of the drag recording.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Secret } from '../../core/index.ts';
import { openFileSource } from '../../core/recording/byte-source.ts';
import { OpenedContainer } from '../../core/recording/container-reader.ts';
import { DesktopReader } from '../../core/recording/desktop-reader.ts';
import { DEFAULT_KEYFRAME_INTERVAL_MS, DesktopWriter } from '../../core/recording/desktop-writer.ts';
import { containerHeader } from '../../core/recording/recording-store.ts';
import { ContainerSink } from '../../core/recording/recording-sink.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../core/recording/signing-key.ts';
import { systemClock, type Clock } from '../../core/runtime.ts';
import { ManualTimers, systemTimers, type Timers } from '../../core/timers.ts';
import { openRdpSession } from '../../gateway/connectors/rdp/engine.ts';
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
import type { BitmapRect } from '../../protocols/rdp/types.ts';
import { encodeInterleaved } from '../../test/support/rdp-bitmap-encoder.ts';
import { typeText } from '../../test/support/rdp-keys.ts';
import { eventually, rdpServerSkipReason, startShadowServer } from '../../test/support/rdp-servers.ts';
import type { RdpBenchSection } from './section.ts';

const IDLE_SECONDS = 3600;
const BUSY_SECONDS = 120;
const REAL_SECONDS = 15;
const SCREEN = { width: 1024, height: 768 };
const HOUR = 3600;
const execFileAsync = promisify(execFile);

interface Recording {
  file: string;
  dataKey: Buffer;
  writer: DesktopWriter;
}

async function startRecording(
  dir: string,
  signer: SigningKey,
  id: string,
  clock: Clock,
  timers: Timers,
  keyframeMinBytes?: number,
): Promise<Recording> {
  const file = path.join(dir, `${id}.rec`);
  const dataKey = randomBytes(32);
  const meta = {
    sessionId: `s-${id}`,
    user: 'bench',
    target: 'desktop/bench',
    protocol: 'rdp',
    cols: 0,
    rows: 0,
    source: '127.0.0.1',
    startedAt: clock.now(),
  };
  const sink = await ContainerSink.create(await open(file, 'wx'), {
    header: containerHeader(id, meta, 'desktop'),
    dataKey,
    signer,
    now: () => clock.now(),
  });
  const writer = new DesktopWriter({
    id,
    path: file,
    clock,
    timers,
    policy: 'strict',
    sink,
    size: SCREEN,
    keyframeMinBytes,
  });
  return { file, dataKey, writer };
}

async function openReader(r: Recording): Promise<DesktopReader> {
  return new DesktopReader(await OpenedContainer.open((await openFileSource(r.file))!, r.dataKey));
}

/** A deterministic picture in RGB565, bottom-up as interleaved RLE wants: a title bar, text, noise. */
function strip(width: number, height: number, seed: number): number[] {
  let state = seed >>> 0;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const rgb565 = (r: number, g: number, b: number) => ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
  const out: number[] = [];
  for (let y = height - 1; y >= 0; y--) {
    const text = y % 12 >= 3 && y % 12 <= 9;
    for (let x = 0; x < width; x++) {
      const region = Math.floor((x / width) * 4);
      if (y < 6) out.push(rgb565(0x30, 0x50, 0x80));
      else if (region < 2)
        out.push(text && rand(3) === 0 ? rgb565(0x10, 0x10, 0x10) : rgb565(0xf0, 0xf0, 0xf0));
      else if (region === 2) out.push(rgb565((x * 4 + seed) & 0xff, (y * 6) & 0xff, 0x90));
      else out.push(rand(4) === 0 ? rgb565(rand(256), rand(256), rand(256)) : rgb565(0xc0, 0xc0, 0xc0));
    }
  }
  return out;
}

function rect16(x: number, y: number, width: number, height: number, seed: number): BitmapRect {
  return {
    left: x,
    top: y,
    right: x + width - 1,
    bottom: y + height - 1,
    width,
    height,
    bpp: 16,
    compressed: true,
    data: encodeInterleaved(strip(width, height, seed), width, height, 16),
  };
}

/** The first screen of a session: the whole desktop in 64×64 tiles, as servers send it. */
function fullScreen(): BitmapRect[] {
  const out: BitmapRect[] = [];
  for (let y = 0; y < SCREEN.height; y += 64)
    for (let x = 0; x < SCREEN.width; x += 64) out.push(rect16(x, y, 64, 64, x * 7 + y));
  return out;
}

async function seekCosts(r: Recording, duration: number) {
  const reader = await openReader(r);
  try {
    const out: Record<string, { ms: number; replayed: number }> = {};
    for (const share of [0.1, 0.5, 0.9]) {
      const start = performance.now();
      const frame = await reader.frameAt(duration * share);
      out[`${share * 100}%`] = { ms: round(performance.now() - start, 1), replayed: frame.replayed };
    }
    // The most any seek replays, over 40 moments spread across the whole recording.
    let worst = 0;
    for (let k = 1; k <= 40; k++)
      worst = Math.max(worst, (await reader.frameAt((duration * k) / 41)).replayed);
    return { ...out, worstReplayedOf40: worst };
  } finally {
    await reader.close();
  }
}

/** Chunks holding a keyframe (each a whole deflated screen), and their bytes. */
async function keyframes(r: Recording): Promise<{ count: number; bytes: number }> {
  const reader = await openReader(r);
  try {
    let count = 0;
    let bytes = 0;
    for (let i = 0; i < reader.chunks; i++) {
      const k = (await reader.chunk(i)).keyframe;
      if (!k) continue;
      count++;
      bytes += k.deflated.length;
    }
    return { count, bytes };
  } finally {
    await reader.close();
  }
}

/** The player's timeline (one pass over every chunk's log): how long the gateway takes to build it. */
async function timelineCost(r: Recording): Promise<{ ms: number; keyframes: number; idleStretches: number }> {
  const reader = await openReader(r);
  try {
    const start = performance.now();
    const t = await reader.timeline();
    return {
      ms: round(performance.now() - start, 1),
      keyframes: t.keyframes.length,
      idleStretches: t.idle.length,
    };
  } finally {
    await reader.close();
  }
}

function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/**
 * `keyframeMinBytes` 0: a keyframe every interval of any changing screen, the rule before a
 * nearly idle screen waited six intervals (the comparison the figures show).
 */
async function idleHour(
  dir: string,
  signer: SigningKey,
  log: (line: string) => void,
  id = 'idle',
  keyframeMinBytes?: number,
) {
  const timers = new ManualTimers('2026-03-04T10:00:00Z');
  const r = await startRecording(dir, signer, id, timers, timers, keyframeMinBytes);
  r.writer.update(fullScreen());
  const started = performance.now();
  for (let s = 1; s <= IDLE_SECONDS; s++) {
    timers.advance(1000);
    r.writer.update([rect16(SCREEN.width - 90, SCREEN.height - 20, 80, 16, s)]);
    await r.writer.drained();
    if (s % 1200 === 0) log(`${id}: ${s / 60} min written`);
  }
  await r.writer.close();
  const bytes = (await stat(r.file)).size;
  return {
    result: {
      seconds: IDLE_SECONDS,
      bytesPerHour: Math.round((bytes * HOUR) / IDLE_SECONDS),
      mbPerHour: mb((bytes * HOUR) / IDLE_SECONDS),
      writeSeconds: round((performance.now() - started) / 1000, 1),
      keyframes: await keyframes(r),
      seek: await seekCosts(r, IDLE_SECONDS),
      timeline: await timelineCost(r),
    },
  };
}

async function dragRecording(dir: string, signer: SigningKey, log: (line: string) => void) {
  const timers = new ManualTimers('2026-03-04T10:00:00Z');
  const r = await startRecording(dir, signer, 'drag', timers, timers);
  r.writer.update(fullScreen());
  const frames = BUSY_SECONDS * 30;
  let painted = 0;
  for (let i = 1; i <= frames; i++) {
    if (i % 3 === 0) timers.advance(34);
    else timers.advance(33);
    // The window moves down and back; each strip is new content (the window at a new place).
    const y = 40 + (Math.floor(i / 2) % 600);
    const strip = rect16(0, y, 1024, 40, i);
    painted += strip.data.length;
    r.writer.update([strip]);
    if (i % 30 === 0) await r.writer.drained();
    if (i % 900 === 0) log(`drag: ${i / 30} s written`);
  }
  await r.writer.close();
  const bytes = (await stat(r.file)).size;

  // Replay: the whole recording through the decoder's framebuffer, as the player draws it.
  const reader = await openReader(r);
  const start = performance.now();
  let fb: Framebuffer | undefined;
  let rects = 0;
  for await (const step of reader.playback(0)) {
    if (step.kind === 'screen') fb = new Framebuffer(step.frame.width, step.frame.height);
    else if (step.kind === 'resize') fb?.resize(step.width, step.height);
    else if (step.kind === 'rect') {
      fb?.apply(step.rect);
      rects++;
    }
  }
  const replaySeconds = (performance.now() - start) / 1000;
  await reader.close();
  return {
    seconds: BUSY_SECONDS,
    extrapolated: true,
    stripsPerSecond: 30,
    rdpBytesPerHour: Math.round((painted * HOUR) / BUSY_SECONDS),
    bytesPerHour: Math.round((bytes * HOUR) / BUSY_SECONDS),
    mbPerHour: mb((bytes * HOUR) / BUSY_SECONDS),
    keyframes: await keyframes(r),
    seek: await seekCosts(r, BUSY_SECONDS),
    timeline: await timelineCost(r),
    replay: { rects, recordingSecondsPerSecond: round(BUSY_SECONDS / replaySeconds, 1) },
  };
}

/** A live FreeRDP shadow desktop recorded from the RDP engine: scrolling, then a window drag. */
async function realDesktop(dir: string, signer: SigningKey, log: (line: string) => void) {
  const skip = rdpServerSkipReason('shadow');
  if (skip) return { skipped: skip };
  const server = await startShadowServer();
  try {
    const session = await openRdpSession({
      host: server.host,
      port: server.port,
      size: SCREEN,
      user: server.user.name,
      password: Secret.fromString(server.user.password),
      certificateCheck: async () => undefined,
      timeoutMs: 15_000,
    });
    let current: Recording | undefined;
    let firstBitmap = false;
    session.on('bitmap', (rects) => {
      firstBitmap = true;
      current?.writer.update(rects);
    });
    try {
      await eventually(() => firstBitmap, 'a first bitmap from the shadow server', 15_000);
      // Let the first full screen pass: the scenarios measure what the activity costs.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const measure = async (id: string, during: () => Promise<void>) => {
        current = await startRecording(dir, signer, id, systemClock, systemTimers);
        const rec = current;
        const started = performance.now();
        await during();
        current = undefined;
        await rec.writer.close();
        const seconds = (performance.now() - started) / 1000;
        const bytes = (await stat(rec.file)).size;
        return {
          seconds: round(seconds, 1),
          extrapolated: true,
          keyframes: await keyframes(rec),
          bytesPerHour: Math.round((bytes * HOUR) / seconds),
          mbPerHour: mb((bytes * HOUR) / seconds),
        };
      };
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

      log(`real: xterm scrolling for ${REAL_SECONDS} s`);
      const scrolling = await measure('real-scroll', async () => {
        for (const ev of typeText(`timeout ${REAL_SECONDS} sh -c 'while :; do ls -l /usr/bin; done'\n`))
          session.input(ev);
        await pause(REAL_SECONDS * 1000);
      });
      await pause(1000);

      log(`real: xterm dragged around for ${REAL_SECONDS} s`);
      const env = { ...process.env, DISPLAY: server.display() };
      const { stdout } = await execFileAsync('xdotool', ['search', '--name', 'custody-xterm'], { env });
      const window = stdout.trim().split('\n')[0]!;
      const drag = await measure('real-drag', async () => {
        const until = performance.now() + REAL_SECONDS * 1000;
        for (let i = 0; performance.now() < until; i++) {
          const x = 40 + Math.round(300 + 300 * Math.cos(i / 15));
          const y = 40 + Math.round(200 + 200 * Math.sin(i / 15));
          await execFileAsync('xdotool', ['windowmove', window, String(x), String(y)], { env });
          await pause(33);
        }
      });
      return { server: 'freerdp-shadow-cli 1024x768', scrolling, drag };
    } finally {
      session.close();
      await session.done;
    }
  } finally {
    await server.stop();
  }
}

export const recordingSection: RdpBenchSection = {
  name: 'recording',
  async run(log) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-bench-rdp-rec-'));
    try {
      const signer = await loadOrCreateSigningKey(path.join(dir, 'signing.key'));
      log(
        `recording: idle hour (keyframe every ${DEFAULT_KEYFRAME_INTERVAL_MS / 1000} s of a changing screen)`,
      );
      const idle = (await idleHour(dir, signer, log)).result;
      log('recording: the same idle hour with a keyframe every interval of any change');
      const idleEveryInterval = (await idleHour(dir, signer, log, 'idle-every-interval', 0)).result;
      log(`recording: window drag, ${BUSY_SECONDS} s of 1024x40 strips at 30/s`);
      const drag = await dragRecording(dir, signer, log);
      log('recording: a real freerdp-shadow desktop');
      const real = await realDesktop(dir, signer, log);
      return {
        recording: {
          keyframeIntervalSeconds: DEFAULT_KEYFRAME_INTERVAL_MS / 1000,
          idle,
          idleEveryInterval,
          drag,
          real,
        },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
