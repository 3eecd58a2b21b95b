/**
 * The replay engine as it was before recordings were read through core's RecordingReader, kept
 * verbatim as the console benchmark's baseline: it reads the whole cast into memory and runs it
 * once through a headless terminal, keeping a serialized screen every KEYFRAME_SECONDS. Not used
 * by the product.
 */
import { promises as fs } from 'node:fs';
import headless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { clampTerminalSize } from '../../core/index.ts';

const { Terminal } = headless;
const { SerializeAddon } = serializeAddon;

export const KEYFRAME_SECONDS = 5;

export interface CastEvent {
  t: number;
  kind: string;
  data: string;
}

interface Keyframe {
  t: number;
  /** Index of the first event after the keyframe. */
  next: number;
  cols: number;
  rows: number;
  screen: string;
}

export class Replay {
  readonly #events: CastEvent[];
  readonly #keyframes: Keyframe[] = [];
  readonly #term: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;
  readonly initialCols: number;
  readonly initialRows: number;
  /** Index of the next event to apply, and the time the screen shows. */
  #next = 0;
  #t = 0;
  #prepared = false;

  private constructor(header: { width: number; height: number }, events: CastEvent[]) {
    // A cast is a file: whatever size it claims, the replay terminal stays within core's maximum.
    ({ cols: this.initialCols, rows: this.initialRows } = clampTerminalSize(header.width, header.height));
    this.#events = events;
    this.#term = new Terminal({
      cols: this.initialCols,
      rows: this.initialRows,
      scrollback: 0,
      allowProposedApi: true,
    });
    this.#serializer = new SerializeAddon();
    this.#term.loadAddon(this.#serializer);
  }

  static async open(file: string): Promise<Replay> {
    return Replay.parse(await fs.readFile(file, 'utf8'));
  }

  /** Parses a cast; a torn last line (a session still being written) is skipped. */
  static parse(text: string): Replay {
    const lines = text.split('\n');
    const header = JSON.parse(lines[0] ?? '{}') as { width?: number; height?: number };
    const events: CastEvent[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line) continue;
      try {
        const [t, kind, data] = JSON.parse(line) as [number, string, string];
        if (typeof t === 'number' && typeof kind === 'string' && typeof data === 'string')
          events.push({ t, kind, data });
      } catch {
        // torn tail
      }
    }
    return new Replay({ width: header.width ?? 80, height: header.height ?? 24 }, events);
  }

  get duration(): number {
    return this.#events.length ? this.#events[this.#events.length - 1]!.t : 0;
  }
  get position(): number {
    return this.#t;
  }
  get prepared(): boolean {
    return this.#prepared;
  }
  get cols(): number {
    return this.#term.cols;
  }
  get rows(): number {
    return this.#term.rows;
  }

  /** The time of the first output or resize after `t` (for skipping idle stretches). */
  nextEventAfter(t: number): number | undefined {
    for (let i = this.#next; i < this.#events.length; i++)
      if (this.#events[i]!.t > t && this.#events[i]!.kind !== 'i') return this.#events[i]!.t;
    return undefined;
  }

  /**
   * One pass over the whole recording, keeping a keyframe every KEYFRAME_SECONDS. Yields to the
   * event loop between keyframes so the console keeps drawing while a long recording prepares.
   */
  async prepare(): Promise<void> {
    if (this.#prepared) return;
    await this.#restore({ t: 0, next: 0, cols: this.initialCols, rows: this.initialRows, screen: '' });
    this.#keyframes.push({ t: 0, next: 0, cols: this.initialCols, rows: this.initialRows, screen: '' });
    let boundary = KEYFRAME_SECONDS;
    while (this.#next < this.#events.length) {
      await this.#apply(boundary);
      await new Promise((r) => setImmediate(r));
      this.#keyframes.push({
        t: this.#t,
        next: this.#next,
        cols: this.#term.cols,
        rows: this.#term.rows,
        screen: this.#serializer.serialize({ scrollback: 0 }),
      });
      boundary += KEYFRAME_SECONDS;
    }
    this.#prepared = true;
    await this.seek(0);
  }

  /** Shows the screen at `t` (clamped to the recording). */
  async seek(t: number): Promise<void> {
    const target = Math.min(Math.max(0, t), this.duration);
    // Forward within one keyframe's reach: just play on. Otherwise restore the nearest keyframe.
    if (!(target >= this.#t && target - this.#t <= KEYFRAME_SECONDS)) {
      const k = this.#keyframeAt(target);
      await this.#restore(k);
    }
    await this.#apply(target);
  }

  /** Plays forward to `t` (never backwards). */
  async advanceTo(t: number): Promise<void> {
    if (t > this.#t) await this.#apply(Math.min(t, this.duration));
  }

  /** The visible screen as text lines. */
  lines(): string[] {
    const buf = this.#term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.#term.rows; y++)
      out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  dispose(): void {
    this.#term.dispose();
  }

  #keyframeAt(t: number): Keyframe {
    let lo = 0;
    let hi = this.#keyframes.length - 1;
    if (hi < 0) return { t: 0, next: 0, cols: this.initialCols, rows: this.initialRows, screen: '' };
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#keyframes[mid]!.t <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.#keyframes[lo]!;
  }

  async #restore(k: Keyframe): Promise<void> {
    this.#term.reset();
    if (this.#term.cols !== k.cols || this.#term.rows !== k.rows) this.#term.resize(k.cols, k.rows);
    if (k.screen) await this.#write(k.screen);
    this.#next = k.next;
    this.#t = k.t;
  }

  async #apply(until: number): Promise<void> {
    let batch = '';
    while (this.#next < this.#events.length && this.#events[this.#next]!.t <= until) {
      const e = this.#events[this.#next++]!;
      if (e.kind === 'o') batch += e.data;
      else if (e.kind === 'r') {
        const m = /^(\d+)x(\d+)$/.exec(e.data);
        if (m) {
          if (batch) await this.#write(batch);
          batch = '';
          const size = clampTerminalSize(Number(m[1]), Number(m[2]));
          this.#term.resize(size.cols, size.rows);
        }
      }
    }
    if (batch) await this.#write(batch);
    this.#t = until;
  }

  #write(data: string): Promise<void> {
    return new Promise((resolve) => this.#term.write(data, resolve));
  }
}
