/**
 * Reading a desktop recording back (the export's PNG stills, the player's endpoint, tests): the
 * screen at any moment, the events after it for playback, the duration and the markers. A seek
 * finds the chunk holding the moment from the frame headers (no decryption), starts from the
 * keyframe its head names, and replays the events from there: the same work wherever it lands.
 */
import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import { decodeDesktopEvents, type DesktopEvent } from '../../protocols/rdp/desktop-log.ts';
import type { DesktopSegment } from '../../protocols/rdp/desktop-segment.ts';
import { DesktopTimelineBuilder, type DesktopTimeline } from '../../protocols/rdp/desktop-timeline.ts';
import { StorageError } from '../errors.ts';
import type { OpenedContainer } from './container-reader.ts';
import { NO_KEYFRAME, parseDesktopChunk, type DesktopChunk } from './desktop-chunk.ts';
import {
  decoderFramebuffer,
  drawKeyframe,
  type DesktopFramebuffer,
  type FramebufferFactory,
} from './desktop-screen.ts';

const inflateAsync = promisify(inflate);
/** No chunk's log inflates past this (a writer flushes at a quarter of a megabyte). */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

export interface DesktopFrame {
  width: number;
  height: number;
  /** RGBA, top-down rows, every pixel opaque. */
  rgba: Uint8ClampedArray;
}

export interface SeekResult extends DesktopFrame {
  /** Screen events (rectangles, sizes) replayed after the keyframe: what the seek cost. */
  replayed: number;
  /** The chunk whose keyframe the seek started from, or undefined (from the start). */
  fromKeyframe: number | undefined;
}

export type PlaybackStep = { kind: 'screen'; t: number; frame: DesktopFrame } | DesktopEvent;

export class DesktopReader {
  readonly #c: OpenedContainer;
  readonly #framebuffer: FramebufferFactory;

  /** `framebuffer` draws the screens frameAt() and playback() return (default: the RDP decoder's). */
  constructor(container: OpenedContainer, framebuffer: FramebufferFactory = decoderFramebuffer) {
    if (container.scan.header.kind !== 'desktop')
      throw new StorageError(`recording '${container.id}' is not a desktop recording`);
    this.#c = container;
    this.#framebuffer = framebuffer;
  }

  get chunks(): number {
    return this.#c.frames.length;
  }

  /**
   * A stretch of the recording for the browser's player (protocols/rdp/desktop-segment.ts), still
   * deflated. `at`: a seek, starting with the keyframe to replay from and reaching past `at`;
   * `chunk`: a continuation from that chunk on. Either way about `windowSeconds` of events, at
   * least one chunk, and no more than `maxBytes` past the first.
   */
  async segment(o: {
    at?: number;
    chunk?: number;
    windowSeconds?: number;
    maxBytes?: number;
  }): Promise<DesktopSegment> {
    const frames = this.#c.frames;
    const windowSeconds = o.windowSeconds ?? 30;
    const maxBytes = o.maxBytes ?? 8 * 1024 * 1024;
    const seg: DesktopSegment = {
      durationMs: Math.round(this.duration * 1000),
      first: 0,
      next: 0,
      chunks: frames.length,
      logs: [],
    };
    if (!frames.length) return seg;
    let through = 0;
    let from: number;
    let bytes = 0;
    if (o.at !== undefined) {
      const i = chunkHolding(frames, o.at);
      const head = (await this.chunk(i)).head;
      if (!head) throw new StorageError(`recording '${this.id}': chunk ${i} is not a desktop chunk`);
      if (head.base !== NO_KEYFRAME && head.base < i) {
        const k = (await this.chunk(head.base)).keyframe;
        if (!k) throw new StorageError(`recording '${this.id}': chunk ${head.base} holds no keyframe`);
        seg.keyframe = { tMs: k.tMs, width: k.width, height: k.height, deflated: k.deflated };
        bytes += k.deflated.length;
        seg.first = head.base + 1;
      }
      through = i;
      from = o.at;
    } else {
      seg.first = Math.max(0, Math.min(frames.length, Math.floor(o.chunk ?? 0)));
      through = seg.first;
      from = seg.first > 0 ? frames[seg.first - 1]!.tEnd : 0;
    }
    let j = seg.first;
    for (; j < frames.length; j++) {
      const past = j > through && (frames[j - 1]!.tEnd >= from + windowSeconds || bytes >= maxBytes);
      if (past) break;
      for (const log of (await this.chunk(j)).events) {
        seg.logs.push(log);
        bytes += log.length;
      }
    }
    seg.next = j;
    return seg;
  }

  get id(): string {
    return this.#c.id;
  }

  /** Seconds from the start to the last thing written. */
  get duration(): number {
    return this.#c.lastT;
  }

  async chunk(i: number): Promise<DesktopChunk> {
    return parseDesktopChunk(await this.#c.records(i));
  }

  /** The screen as it was `seconds` into the recording (the last screen past the end). */
  async frameAt(seconds: number): Promise<SeekResult> {
    const frames = this.#c.frames;
    if (!frames.length) throw new StorageError(`recording '${this.id}' holds no screen yet`);
    const i = chunkHolding(frames, seconds);
    const head = (await this.chunk(i)).head;
    if (!head) throw new StorageError(`recording '${this.id}': chunk ${i} is not a desktop chunk`);
    let fb: DesktopFramebuffer | undefined;
    let from = 0;
    if (head.base !== NO_KEYFRAME) {
      if (head.base >= i) throw new StorageError(`recording '${this.id}': chunk ${i} names a later keyframe`);
      fb = await this.#keyframeScreen(head.base);
      from = head.base + 1;
    }
    let replayed = 0;
    for (let j = from; j <= i; j++)
      for (const ev of await this.#events(j)) {
        if (ev.t > seconds) break;
        if (ev.kind === 'input') continue;
        fb = this.#draw(fb, ev);
        replayed++;
      }
    if (!fb) throw new StorageError(`recording '${this.id}' holds no screen size`);
    return {
      width: fb.width,
      height: fb.height,
      rgba: opaque(fb.snapshot()),
      replayed,
      fromKeyframe: head.base === NO_KEYFRAME ? undefined : head.base,
    };
  }

  /** The screen at `from`, then every event after it in order (the player's and export's walk). */
  async *playback(from = 0): AsyncGenerator<PlaybackStep> {
    const frames = this.#c.frames;
    if (!frames.length) return;
    const start = await this.frameAt(from);
    yield { kind: 'screen', t: from, frame: { width: start.width, height: start.height, rgba: start.rgba } };
    for (let j = chunkHolding(frames, from); j < frames.length; j++)
      for (const ev of await this.#events(j)) if (ev.t > from) yield ev;
  }

  /** Events written (screen, input, sizes and markers), from the chunk heads. */
  async countEvents(): Promise<number> {
    let n = 0;
    for (let i = 0; i < this.#c.frames.length; i++) {
      const c = await this.chunk(i);
      n += (c.head?.events ?? 0) + c.markers.length;
    }
    return n;
  }

  /** Named moments, in order (one decryption pass over the recording, no decompression). */
  async markers(): Promise<{ t: number; label: string }[]> {
    const out: { t: number; label: string }[] = [];
    for (let i = 0; i < this.#c.frames.length; i++) out.push(...(await this.chunk(i)).markers);
    return out;
  }

  /**
   * The player's overview (protocols/rdp/desktop-timeline.ts): markers, keyframes, activity and
   * idle stretches, from one pass over every chunk's log (inflated, no bitmap decoded).
   */
  async timeline(): Promise<DesktopTimeline> {
    const builder = new DesktopTimelineBuilder();
    for (let i = 0; i < this.#c.frames.length; i++) {
      const c = await this.chunk(i);
      for (const deflated of c.events)
        for (const ev of decodeDesktopEvents(new Uint8Array(await this.#inflate(deflated, i, MAX_LOG_BYTES))))
          builder.event(ev);
      if (c.keyframe) builder.keyframe(c.keyframe.tMs / 1000, i);
      for (const m of c.markers) builder.marker(m);
    }
    return builder.finish(this.duration);
  }

  /** The whole screen chunk `i`'s keyframe holds (a thumbnail's source). */
  async keyframeImage(i: number): Promise<DesktopFrame & { t: number }> {
    if (!Number.isInteger(i) || i < 0 || i >= this.#c.frames.length)
      throw new StorageError(`recording '${this.id}' has no chunk ${i}`);
    const k = (await this.chunk(i)).keyframe;
    if (!k) throw new StorageError(`recording '${this.id}': chunk ${i} holds no keyframe`);
    const fb = await this.#keyframeScreen(i);
    return { t: k.tMs / 1000, width: fb.width, height: fb.height, rgba: opaque(fb.snapshot()) };
  }

  async #events(i: number): Promise<DesktopEvent[]> {
    const out: DesktopEvent[] = [];
    for (const deflated of (await this.chunk(i)).events)
      out.push(...decodeDesktopEvents(new Uint8Array(await this.#inflate(deflated, i, MAX_LOG_BYTES))));
    return out;
  }

  async #keyframeScreen(i: number): Promise<DesktopFramebuffer> {
    const k = (await this.chunk(i)).keyframe;
    if (!k) throw new StorageError(`recording '${this.id}': chunk ${i} holds no keyframe`);
    const rgba = await this.#inflate(k.deflated, i, k.width * k.height * 4);
    if (rgba.length !== k.width * k.height * 4 || !k.width || !k.height)
      throw new StorageError(
        `recording '${this.id}': the keyframe in chunk ${i} is not ${k.width}x${k.height}`,
      );
    const fb = this.#framebuffer(k.width, k.height);
    drawKeyframe(fb, rgba, k.width, k.height);
    return fb;
  }

  #draw(fb: DesktopFramebuffer | undefined, ev: DesktopEvent): DesktopFramebuffer | undefined {
    if (ev.kind === 'resize') {
      if (!fb) return this.#framebuffer(ev.width, ev.height);
      fb.resize(ev.width, ev.height);
    } else if (ev.kind === 'rect' && fb) {
      try {
        fb.apply(ev.rect);
      } catch {
        // What the decoder refused live it refuses here too: nothing was drawn then either.
      }
    }
    return fb;
  }

  async #inflate(deflated: Buffer, i: number, max: number): Promise<Buffer> {
    try {
      return await inflateAsync(deflated, { maxOutputLength: Math.max(1, max) });
    } catch {
      throw new StorageError(`recording '${this.id}': chunk ${i} does not decompress`);
    }
  }

  close(): Promise<void> {
    return this.#c.close();
  }
}

/**
 * A desktop is opaque: what a framebuffer never painted (alpha 0 in some decoders) and what a
 * keyframe restored (alpha 255) must read the same, in a PNG still as in the player.
 */
function opaque(rgba: Uint8ClampedArray): Uint8ClampedArray {
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return rgba;
}

/**
 * The last chunk that can hold an event at or before `seconds`: a chunk's events come at or after
 * the previous chunk's last one, so it is the last chunk whose predecessor ended by then (a
 * keyframe-only chunk may end exactly when the next chunk's first event happens).
 */
function chunkHolding(frames: readonly { tEnd: number }[], seconds: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frames[mid - 1]!.tEnd <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
