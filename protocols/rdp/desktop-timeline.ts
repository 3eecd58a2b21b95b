/**
 * The overview of a desktop recording the player draws under its canvas: the markers, the
 * keyframes it shows as thumbnails, the operator's keyboard and mouse activity and how much of
 * the screen changed over time, and the idle stretches "skip idle" jumps over. The gateway builds
 * it from the event log (one pass, no bitmap decoded) and sends it as JSON; the browser's player
 * reads the same type. Counts only: no key's scancode, no pointer position.
 */
import type { DesktopEvent } from './desktop-log.ts';

export interface DesktopTimeline {
  durationMs: number;
  /** Named moments (session start, shadows joining and leaving, termination, the end), in order. */
  markers: { t: number; label: string }[];
  /** Whole screens the recording holds (seconds, and the chunk that holds each). */
  keyframes: { t: number; chunk: number }[];
  /** Seconds each entry of `keys`, `pointer` and `painted` stands for. */
  bucketSeconds: number;
  /** Key presses (not releases) per bucket. */
  keys: number[];
  /** Pointer moves, button presses and releases and wheel turns per bucket. */
  pointer: number[];
  /** Share of the screen repainted per bucket, from 0 to 1 (overlaps counted again, capped at 1). */
  painted: number[];
  /** Stretches (seconds, `to` exclusive) with no input and under 2 % of the screen painted a second. */
  idle: { from: number; to: number }[];
}

/** The timeline has at most this many buckets, however long the recording. */
const MAX_BUCKETS = 600;
/**
 * A second is idle when the operator did nothing and less than this share of the screen changed:
 * a ticking clock or a blinking cursor is idle, a video or a scrolling log is not.
 */
export const IDLE_PAINT_SHARE = 0.02;
/** Idle seconds in a row that make a stretch worth skipping. */
export const IDLE_MIN_SECONDS = 5;

/** Collects a recording's events in order; `finish` gives the timeline. */
export class DesktopTimelineBuilder {
  readonly #markers: { t: number; label: string }[] = [];
  readonly #keyframes: { t: number; chunk: number }[] = [];
  /** Per second of the recording: key presses, pointer events, pixels painted, the screen's area. */
  readonly #keys: number[] = [];
  readonly #pointer: number[] = [];
  readonly #painted: number[] = [];
  readonly #area: number[] = [];
  #screenArea = 0;

  event(ev: DesktopEvent): void {
    const s = Math.floor(ev.t);
    if (ev.kind === 'resize') {
      this.#screenArea = ev.width * ev.height;
      this.#area[s] = Math.max(this.#area[s] ?? 0, this.#screenArea);
      return;
    }
    if (ev.kind === 'rect') {
      const r = ev.rect;
      const w = Math.max(0, Math.min(r.width, r.right - r.left + 1));
      const h = Math.max(0, Math.min(r.height, r.bottom - r.top + 1));
      add(this.#painted, s, w * h);
      this.#area[s] = Math.max(this.#area[s] ?? 0, this.#screenArea);
      return;
    }
    const i = ev.input;
    if (i.kind === 'key') {
      if (i.down) add(this.#keys, s, 1);
      else add(this.#keys, s, 0);
    } else add(this.#pointer, s, 1);
  }

  marker(m: { t: number; label: string }): void {
    this.#markers.push(m);
  }

  keyframe(t: number, chunk: number): void {
    this.#keyframes.push({ t, chunk });
  }

  finish(durationSeconds: number): DesktopTimeline {
    // Every second an event can fall in, the last instant included.
    const seconds = Math.floor(Math.max(0, durationSeconds)) + 1;
    const bucketSeconds = Math.max(1, Math.ceil(seconds / MAX_BUCKETS));
    const buckets = Math.ceil(seconds / bucketSeconds);
    const keys = new Array<number>(buckets).fill(0);
    const pointer = new Array<number>(buckets).fill(0);
    const painted = new Array<number>(buckets).fill(0);
    const idle: { from: number; to: number }[] = [];
    let area = 0;
    let idleFrom: number | undefined;
    const closeIdle = (to: number) => {
      if (idleFrom !== undefined && to - idleFrom >= IDLE_MIN_SECONDS) idle.push({ from: idleFrom, to });
      idleFrom = undefined;
    };
    for (let s = 0; s < seconds; s++) {
      area = this.#area[s] || area;
      const b = Math.floor(s / bucketSeconds);
      const k = this.#keys[s] ?? 0;
      const p = this.#pointer[s] ?? 0;
      const px = this.#painted[s] ?? 0;
      keys[b]! += k;
      pointer[b]! += p;
      painted[b]! += area ? px / area / bucketSeconds : 0;
      // Any key event (a release too) is the operator at work.
      const quiet = this.#keys[s] === undefined && !p && (!area || px < area * IDLE_PAINT_SHARE);
      if (quiet) idleFrom ??= s;
      else closeIdle(s);
    }
    closeIdle(Math.max(0, durationSeconds));
    return {
      durationMs: Math.round(durationSeconds * 1000),
      markers: this.#markers,
      keyframes: this.#keyframes,
      bucketSeconds,
      keys,
      pointer,
      painted: painted.map((v) => Math.round(Math.min(1, v) * 1000) / 1000),
      idle,
    };
  }
}

function add(a: number[], i: number, n: number): void {
  a[i] = (a[i] ?? 0) + n;
}
