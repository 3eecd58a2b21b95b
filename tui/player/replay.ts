/**
 * Terminal replay of a recording (`o` output, `r` resize; `i` input is not drawn), read through
 * core's RecordingReader: a seek restores the screen of the nearest keyframe and plays on from
 * there, so it costs the same anywhere in an hour-long recording and reads only that stretch of
 * the file. Playing pulls events from the reader as it goes. Time is the caller's: nothing here
 * sleeps or reads a clock.
 */
import {
  RecordingReader,
  ReplayTerminal,
  bufferSource,
  parseSizeOfResize,
  type CastEvent,
} from '../../core/index.ts';

/** A forward seek within this many seconds plays on rather than restoring a keyframe. */
export const KEYFRAME_SECONDS = 5;
/** How far nextEventAfter() looks ahead for the next output, in events. */
const LOOKAHEAD_EVENTS = 10_000;

export class Replay {
  readonly #reader: RecordingReader;
  readonly #term: ReplayTerminal;
  readonly initialCols: number;
  readonly initialRows: number;
  /** The events after the screen shown, pulled from the reader as needed; `#ahead` is read but not applied. */
  #events: AsyncIterator<CastEvent> | undefined;
  #ahead: CastEvent[] = [];
  #ended = false;
  /** The time the screen shows. */
  #t = 0;
  /** Called with each marker (`m` event) playback passes. */
  onMarker: ((t: number, label: string) => void) | undefined;

  private constructor(reader: RecordingReader) {
    this.#reader = reader;
    this.initialCols = reader.cols;
    this.initialRows = reader.rows;
    this.#term = new ReplayTerminal(reader.cols, reader.rows);
  }

  /** A recording opened by core (`core.recordings.openReader`). */
  static open(reader: RecordingReader): Replay {
    return new Replay(reader);
  }

  /** A cast held in memory (tests); a torn last line (a session still being written) is skipped. */
  static async parse(text: string): Promise<Replay> {
    const reader = await RecordingReader.open({ cast: bufferSource(Buffer.from(text, 'utf8')) });
    await reader.prepare();
    return new Replay(reader);
  }

  get duration(): number {
    return this.#reader.duration;
  }
  get position(): number {
    return this.#t;
  }
  get prepared(): boolean {
    return this.#reader.prepared && !!this.#events;
  }
  /** Why the reader had to draw the screens from the whole recording, if it had. */
  get rebuilt(): string | undefined {
    return this.#reader.rebuilt;
  }
  get cols(): number {
    return this.#term.cols;
  }
  get rows(): number {
    return this.#term.rows;
  }

  /**
   * Ready to seek: at once with a screen index, else after one pass over the recording (the
   * reader yields to the event loop between keyframes, so the console keeps drawing).
   */
  async prepare(): Promise<void> {
    await this.#reader.prepare();
    if (this.#events) return;
    await this.#restore(0);
    await this.#apply(0);
  }

  /** The time of the first output or resize after `t` (for skipping idle stretches). */
  async nextEventAfter(t: number): Promise<number | undefined> {
    if (!this.#events) await this.prepare();
    for (let i = 0; i < LOOKAHEAD_EVENTS; i++) {
      const e = this.#ahead[i] ?? (await this.#pull());
      if (!e) return undefined;
      if (e.t > t && e.kind !== 'i') return e.t;
    }
    return undefined;
  }

  /** Shows the screen at `t` (clamped to the recording). */
  async seek(t: number): Promise<void> {
    if (!this.#events) await this.prepare();
    const target = Math.min(Math.max(0, t), this.duration);
    // Forward within one keyframe's reach: just play on. Otherwise restore the nearest keyframe.
    if (!(target >= this.#t && target - this.#t <= KEYFRAME_SECONDS)) await this.#restore(target);
    await this.#apply(target);
  }

  /** Plays forward to `t` (never backwards). */
  async advanceTo(t: number): Promise<void> {
    if (!this.#events) await this.prepare();
    if (t > this.#t) await this.#apply(Math.min(t, this.duration));
  }

  /** The visible screen as text lines. */
  lines(): string[] {
    return this.#term.lines();
  }

  dispose(): void {
    this.#term.dispose();
    void this.#events?.return?.();
    void this.#reader.close();
  }

  async #restore(t: number): Promise<void> {
    void this.#events?.return?.();
    const { keyframe, events } = await this.#reader.seek(t);
    await this.#term.restore(keyframe.cols, keyframe.rows, keyframe.screen);
    this.#events = events;
    this.#ahead = [];
    this.#ended = false;
    this.#t = keyframe.t;
  }

  /** Reads the next event into the look-ahead (undefined at the end). */
  async #pull(): Promise<CastEvent | undefined> {
    if (this.#ended || !this.#events) return undefined;
    const r = await this.#events.next();
    if (r.done) {
      this.#ended = true;
      return undefined;
    }
    this.#ahead.push(r.value);
    return r.value;
  }

  async #apply(until: number): Promise<void> {
    let batch = '';
    for (;;) {
      const e = this.#ahead[0] ?? (await this.#pull());
      if (!e || e.t > until) break;
      this.#ahead.shift();
      if (e.kind === 'o') batch += e.data;
      else if (e.kind === 'm') this.onMarker?.(e.t, e.data);
      else if (e.kind === 'r') {
        const size = parseSizeOfResize(e.data);
        if (size) {
          if (batch) await this.#term.write(batch);
          batch = '';
          this.#term.resize(size.cols, size.rows);
        }
      }
    }
    if (batch) await this.#term.write(batch);
    this.#t = until;
  }
}
