/**
 * The desktop recorder (RDP): the server's rectangles as sent, the operator's input and the
 * desktop's sizes as a binary event log (protocols/rdp/desktop-log.ts), one deflated log per
 * container chunk, flushed at least every second like a terminal recording, so a crash loses at
 * most the last second. It keeps its own framebuffer and, every `keyframeIntervalMs` of a changing
 * screen (sooner when much was painted, later when very little was), ends a chunk with the whole
 * screen (desktop-chunk.ts): replay starts from the newest keyframe before a moment and replays
 * at most one interval of a busy screen, or six of a nearly idle one.
 */
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { encodeDesktopEvent, type DesktopEvent } from '../../protocols/rdp/desktop-log.ts';
import {
  DESKTOP_LIMITS,
  type BitmapRect,
  type DesktopInput,
  type DesktopSize,
} from '../../protocols/rdp/types.ts';
import { printable } from '../printable.ts';
import type { Clock } from '../runtime.ts';
import { systemTimers, type Timers } from '../timers.ts';
import { RECORD, type ChunkRecord } from './container-format.ts';
import { headRecord, keyframeRecord, markerRecord, NO_KEYFRAME } from './desktop-chunk.ts';
import { decoderFramebuffer, type DesktopFramebuffer, type FramebufferFactory } from './desktop-screen.ts';
import type { DesktopRecorder } from './recorder.ts';
import type { RecordingSink } from './recording-sink.ts';
import type { RecordingFailurePolicy, RecordingSummary } from './types.ts';
import { WriterCommits } from './writer-commits.ts';

const deflateAsync = promisify(deflate);

/**
 * Ten seconds between keyframes of a busy screen: a seek replays at most ten seconds of updates
 * (a continuous window drag is about 300 strips, a few milliseconds of decoding). The byte bound
 * keeps a very busy interval's replay small too.
 */
export const DEFAULT_KEYFRAME_INTERVAL_MS = 10_000;
export const DEFAULT_KEYFRAME_AFTER_BYTES = 2 * 1024 * 1024;
/**
 * A screen that changed by less than this since its keyframe (a ticking clock, a blinking cursor)
 * waits SMALL_CHANGE_INTERVALS intervals for the next one: replaying a minute of such updates is
 * under a quarter of a megabyte of bitmaps, while every keyframe is a whole deflated screen
 * (tens to hundreds of kilobytes), which is what an idle desktop's recording would mostly hold.
 */
export const DEFAULT_KEYFRAME_MIN_BYTES = 256 * 1024;
const SMALL_CHANGE_INTERVALS = 6;
/** A log this large is written at once instead of waiting for the timer. */
const FLUSH_BYTES = 256 * 1024;
const MAX_MARKER_LABEL = 200;

export interface DesktopWriterOptions {
  id: string;
  path: string;
  clock: Clock;
  policy: RecordingFailurePolicy;
  sink: RecordingSink;
  /** The desktop size chosen at connect. */
  size: DesktopSize;
  /** Where the recorder draws every rectangle to take keyframes (default: the RDP decoder's). */
  framebuffer?: FramebufferFactory;
  timers?: Timers;
  flushIntervalMs?: number;
  keyframeIntervalMs?: number;
  keyframeAfterBytes?: number;
  /** Bytes painted since the keyframe below which the next waits six intervals. */
  keyframeMinBytes?: number;
  /** Bytes as they reach the file (the node's metrics). */
  onWritten?: (bytes: number) => void;
  onClosed?: (summary: RecordingSummary, failed: Error | undefined) => Promise<void>;
}

export class DesktopWriter implements DesktopRecorder {
  readonly id: string;
  readonly path: string;
  readonly policy: RecordingFailurePolicy;
  readonly #o: DesktopWriterOptions;
  readonly #startMs: number;
  readonly #fb: DesktopFramebuffer;
  readonly #keyframeMs: number;
  readonly #keyframeBytes: number;
  readonly #keyframeMinBytes: number;
  #log: Uint8Array[] = [];
  #logBytes = 0;
  #logEvents = 0;
  #markers: ChunkRecord[] = [];
  #lastMs = 0;
  /** Chunks handed to the sink so far: the number the next one gets. */
  #seq = 0;
  #lastKeyframeSeq = NO_KEYFRAME;
  #lastKeyframeMs = 0;
  /** Screen events (rectangles, sizes) since the last keyframe, and their bytes. */
  #changed = false;
  #bytesSinceKeyframe = 0;
  #keyframeNow = false;
  #keyframeAfterPaint = false;
  #events = 0;
  #handed = 0;
  readonly #w = new WriterCommits(() => {
    this.#log = [];
    this.#logBytes = 0;
    this.#markers = [];
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
  });
  #cancelFlush: (() => void) | undefined;
  #closing: Promise<RecordingSummary> | undefined;
  #suspended = false;

  constructor(o: DesktopWriterOptions) {
    this.#o = o;
    this.id = o.id;
    this.path = o.path;
    this.policy = o.policy;
    this.#startMs = o.clock.now().getTime();
    this.#keyframeMs = o.keyframeIntervalMs ?? DEFAULT_KEYFRAME_INTERVAL_MS;
    this.#keyframeBytes = o.keyframeAfterBytes ?? DEFAULT_KEYFRAME_AFTER_BYTES;
    this.#keyframeMinBytes = o.keyframeMinBytes ?? DEFAULT_KEYFRAME_MIN_BYTES;
    const { width, height } = boundedSize(o.size.width, o.size.height);
    this.#fb = (o.framebuffer ?? decoderFramebuffer)(width, height);
    // The log starts with the screen's size: replay from the first chunk needs no keyframe.
    this.#event({ t: 0, kind: 'resize', width, height });
    const timers = o.timers ?? systemTimers;
    const interval = o.flushIntervalMs ?? 1000;
    const tick = () => {
      void this.flush();
      if (this.#cancelFlush) this.#cancelFlush = timers.after(interval, tick);
    };
    this.#cancelFlush = timers.after(interval, tick);
  }

  update(rects: readonly BitmapRect[]): void {
    if (this.#w.failed || this.#closing) return;
    for (const rect of rects) {
      try {
        this.#fb.apply(rect);
      } catch {
        // A bitmap the decoder refuses is drawn by no one (viewer and replay run the same
        // decoder); it is still recorded as sent, so the recording shows what the server did.
      }
      this.#changed = true;
      if (this.#keyframeAfterPaint) {
        this.#keyframeAfterPaint = false;
        this.#keyframeNow = true;
      }
      this.#bytesSinceKeyframe += rect.data.length;
      if (!this.#suspended) this.#event({ t: 0, kind: 'rect', rect });
    }
    if (this.#logBytes >= FLUSH_BYTES) void this.flush();
  }

  input(ev: DesktopInput): void {
    if (this.#w.failed || this.#closing || this.#suspended) return;
    this.#event({ t: 0, kind: 'input', input: ev });
  }

  resize(width: number, height: number): void {
    if (this.#w.failed || this.#closing) return;
    ({ width, height } = boundedSize(width, height));
    this.#fb.resize(width, height);
    this.#changed = true;
    // The chunk that holds the resized desktop's first picture ends with a keyframe at the new
    // size: a seek past a resize starts there without replaying the old size.
    this.#keyframeAfterPaint = true;
    if (!this.#suspended) this.#event({ t: 0, kind: 'resize', width, height });
  }

  marker(label: string): void {
    if (this.#w.failed || this.#closing) return;
    this.#markers.push(markerRecord(this.#now(), printable(label, MAX_MARKER_LABEL)));
    this.#count();
  }

  /**
   * Nothing is written until resume(); the screen is still drawn, and resume() writes a keyframe
   * at once, so replay after the pause shows the screen as it really was.
   */
  suspend(): void {
    this.#suspended = true;
  }

  resume(): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    this.#keyframeNow = true;
    void this.flush();
  }

  onFailure(cb: (error: Error) => void): void {
    this.#w.onFailure(cb);
  }

  backlog(): number {
    return this.#w.backlog(this.#logBytes);
  }

  drained(): Promise<void> {
    return this.flush();
  }

  committed(): Promise<boolean> {
    return this.#w.committed(this.#handed, () => void this.flush());
  }

  /** Writes what is buffered as one chunk (the timer calls this at least every second). */
  flush(): Promise<void> {
    if (this.#w.failed) return this.#w.chain;
    const nowMs = this.#now();
    const since = nowMs - this.#lastKeyframeMs;
    const painted = this.#bytesSinceKeyframe;
    const keyframe =
      this.#keyframeNow ||
      (this.#changed &&
        (painted >= this.#keyframeBytes ||
          (since >= this.#keyframeMs && painted >= this.#keyframeMinBytes) ||
          since >= this.#keyframeMs * SMALL_CHANGE_INTERVALS));
    if (!this.#log.length && !this.#markers.length && !keyframe) return this.#w.chain;
    const log = Buffer.concat(this.#log);
    const events = this.#logEvents;
    const markers = this.#markers;
    const base = this.#lastKeyframeSeq;
    // The sink numbers chunks in the order they are written, which is the order of these calls.
    const seq = this.#seq++;
    const upTo = this.#handed;
    let screen: { rgba: Uint8ClampedArray; width: number; height: number; tMs: number } | undefined;
    if (keyframe) {
      // Taken now, before any later event is drawn: the screen after this chunk's events.
      screen = { rgba: this.#fb.snapshot(), width: this.#fb.width, height: this.#fb.height, tMs: nowMs };
      this.#lastKeyframeSeq = seq;
      this.#lastKeyframeMs = nowMs;
      this.#changed = false;
      this.#bytesSinceKeyframe = 0;
      this.#keyframeNow = false;
    }
    const tEnd = (screen ? Math.max(this.#lastMs, nowMs) : this.#lastMs) / 1000;
    this.#log = [];
    this.#logBytes = 0;
    this.#logEvents = 0;
    this.#markers = [];
    const pending = log.length + (screen?.rgba.length ?? 0);
    return this.#w.enqueue(pending, async () => {
      const records: ChunkRecord[] = [headRecord({ base, events })];
      if (log.length) records.push({ type: RECORD.desktopEvents, body: await deflateAsync(log) });
      if (screen)
        records.push(
          keyframeRecord({
            tMs: screen.tMs,
            width: screen.width,
            height: screen.height,
            deflated: await deflateAsync(screen.rgba),
          }),
        );
      records.push(...markers);
      const before = this.#o.sink.bytes;
      await this.#o.sink.write({ records, castLength: 0, tEnd });
      this.#o.onWritten?.(this.#o.sink.bytes - before);
      this.#w.written = upTo;
    });
  }

  close(): Promise<RecordingSummary> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<RecordingSummary> {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    await this.flush();
    try {
      await this.#o.sink.finish(
        { events: this.#events, castBytes: 0, durationSeconds: this.#lastMs / 1000 },
        !!this.#w.failed,
      );
    } catch (e) {
      this.#w.fail(e);
    }
    await this.#o.sink.close().catch((e: unknown) => this.#w.fail(e));
    const summary: RecordingSummary = {
      id: this.id,
      path: this.path,
      bytes: this.#o.sink.bytes,
      events: this.#events,
      durationMs: Math.max(0, this.#o.clock.now().getTime() - this.#startMs),
    };
    await this.#o.onClosed?.(summary, this.#w.failed);
    return summary;
  }

  /** Milliseconds since the start, never going back. */
  #now(): number {
    const t = Math.max(this.#lastMs, Math.round(this.#o.clock.now().getTime() - this.#startMs));
    this.#lastMs = t;
    return t;
  }

  #event(ev: DesktopEvent): void {
    const bytes = encodeDesktopEvent(ev, this.#now());
    this.#log.push(bytes);
    this.#logBytes += bytes.length;
    this.#logEvents++;
    this.#count();
  }

  #count(): void {
    this.#events++;
    this.#handed++;
  }
}

/** A size inside what an RDP desktop can be (a server's odd resize must not allocate gigabytes). */
function boundedSize(width: number, height: number): DesktopSize {
  const clamp = (n: number, max: number) => Math.max(1, Math.min(max, Math.round(n) || 1));
  return { width: clamp(width, DESKTOP_LIMITS.maxWidth), height: clamp(height, DESKTOP_LIMITS.maxHeight) };
}
