/**
 * The asciicast v2 recorder (https://docs.asciinema.org/manual/asciicast/v2/), readable by the real
 * `asciinema` player, plus a side index for seeking.
 *
 * The cast (what the reader sees, whatever the file holds): a JSON header line, then one line per
 * event, `[seconds, code, data]`, with seconds relative to the start (6 decimals), code `o`
 * (target output), `i` (operator input), `r` (resize, data `"COLSxROWS"`) or `m` (marker). Bytes
 * that are valid UTF-8 become text events; a character split across chunks is held back and joined
 * rather than written as U+FFFD. Bytes that are not valid UTF-8 are kept as they are, in a raw
 * record (container-format.ts) that the cast shows as the same event with U+FFFD for invalid bytes,
 * so `export --format raw` gives them back exactly. The side index for seeking is described in
 * index-format.ts; where the flushed records go is the sink's business (recording-sink.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import type { Clock } from '../runtime.ts';
import { systemTimers, type Timers } from '../timers.ts';
import { clampTerminalSize } from '../terminal-size.ts';
import { printable } from '../printable.ts';

import { INDEX_SUFFIX, KEYFRAME_BYTES, KEYFRAME_SECONDS, type IndexEntry } from './index-format.ts';
import type { RecordingFailurePolicy, RecordingMeta, RecordingSummary, RecordingWriter } from './types.ts';
import { RECORD, type ChunkRecord } from './container-format.ts';
import { decodedJsonLength } from './raw-view-length.ts';
import type { RecordingSink } from './recording-sink.ts';
import { WriterCommits } from './writer-commits.ts';
import { openPlainSink } from './asciicast-open.ts';
import { castHeaderLine, indexHeaderLine, round6 } from './asciicast-records.ts';
import { Utf8Chunks } from './utf8-chunks.ts';
import { TextRuns } from './text-runs.ts';

/** Text is stored raw when its JSON is over twice its bytes plus this (short lines stay text). */
const RAW_INSTEAD_SLACK = 64;

const startsWithBom = (b: Buffer) => b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

/** Markers are labels in a list, not text: a command line beyond this is cut. */
const MAX_MARKER_LABEL = 200;

export interface AsciicastWriterOptions {
  id: string;
  /** The recording's file (the plain sink puts its index at `castPath + '.idx'`). */
  castPath: string;
  /**
   * Opens where the flushed records go (the store passes the encrypted container). Default: the
   * plain asciicast files, created with `openFile`.
   */
  openSink?: () => Promise<RecordingSink>;
  meta: RecordingMeta;
  clock: Clock;
  /** Kept for the caller: what to do when writing fails (default strict). */
  policy?: RecordingFailurePolicy;
  /** Buffered output reaches the file at least this often (default 1000 ms). */
  flushIntervalMs?: number;
  /** What wakes the periodic flush (default real time; tests pass manual timers). */
  timers?: Timers;
  /** A buffer this large is flushed at once (default 64 KiB). */
  flushBytes?: number;
  keyframeSeconds?: number;
  keyframeBytes?: number;
  /** Opens a new file (tests inject failures here). Default: exclusive create, mode 0600. */
  openFile?: (path: string) => Promise<FileHandle>;
  /** Runs after the files are closed (the store updates the recording's row here). */
  onClosed?: (summary: RecordingSummary, failed: Error | undefined) => Promise<void>;
  /** Told how many bytes of the cast each write put on disk (the node's metrics). */
  onWritten?: (bytes: number) => void;
}

export { openExclusive, openPlainSink } from './asciicast-open.ts';

export class AsciicastWriter implements RecordingWriter {
  readonly id: string;
  readonly castPath: string;
  readonly indexPath: string;
  readonly policy: RecordingFailurePolicy;

  readonly #clock: Clock;
  readonly #startMs: number;
  readonly #flushBytes: number;
  readonly #keyframeSeconds: number;
  readonly #keyframeBytes: number;
  readonly #onClosed: AsciicastWriterOptions['onClosed'];
  readonly #sink: RecordingSink;
  /** Per direction: text and raw pieces, a character split across chunks joined. */
  readonly #utf8 = { o: new Utf8Chunks(), i: new Utf8Chunks() };
  readonly #onWritten: AsciicastWriterOptions['onWritten'];
  /** Cancels the next periodic flush; undefined once closed. */
  #cancelFlush: (() => void) | undefined;

  /** Bytes of the cast accounted for (written or buffered): the offset of the next line. */
  #offset = 0;
  #events = 0;
  #lastT = 0;
  #cols: number;
  #rows: number;
  /** Size asked for while suspended, written on resume. */
  #pendingSize: { cols: number; rows: number } | undefined;
  #lastKeyframe: IndexEntry;
  /** Records since the last flush, in order; the text since the last raw record is in #textRuns. */
  #castBuf: ChunkRecord[] = [];
  readonly #textRuns = new TextRuns();
  /** Bytes buffered as they will be stored (what backpressure and the flush size count). */
  #castBufBytes = 0;
  /** Cast-view bytes buffered (what offsets count). */
  #castBufView = 0;
  #indexBuf: string[] = [];
  #suspended = false;
  #closing: Promise<RecordingSummary> | undefined;
  /** Set when create() itself fails: nobody holds the writer, so onClosed is not run. */
  #abandoned = false;
  /** Failure callbacks, committed() callers, the write chain; written counts cast-view bytes. */
  readonly #w = new WriterCommits(() => {
    this.#castBuf = [];
    this.#textRuns.clear();
    this.#castBufBytes = 0;
    this.#castBufView = 0;
    this.#indexBuf = [];
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
  });

  private constructor(o: AsciicastWriterOptions, sink: RecordingSink) {
    this.id = o.id;
    this.castPath = o.castPath;
    this.indexPath = o.castPath + INDEX_SUFFIX;
    this.policy = o.policy ?? 'strict';
    this.#clock = o.clock;
    this.#startMs = o.clock.now().getTime();
    this.#flushBytes = o.flushBytes ?? 64 * 1024;
    this.#keyframeSeconds = o.keyframeSeconds ?? KEYFRAME_SECONDS;
    this.#keyframeBytes = o.keyframeBytes ?? KEYFRAME_BYTES;
    this.#onClosed = o.onClosed;
    this.#sink = sink;
    this.#onWritten = o.onWritten;
    // Sizes are clamped here too: a replay runs the cast through a terminal of this size.
    ({ cols: this.#cols, rows: this.#rows } = clampTerminalSize(o.meta.cols, o.meta.rows));

    this.#append(castHeaderLine(o.meta, this.#cols, this.#rows));
    this.#indexBuf.push(indexHeaderLine(this.#keyframeSeconds, this.#keyframeBytes));
    this.#lastKeyframe = { t: 0, offset: this.#offset, cols: this.#cols, rows: this.#rows };
    this.#indexBuf.push(JSON.stringify(this.#lastKeyframe) + '\n');

    const interval = o.flushIntervalMs ?? 1000;
    const timers = o.timers ?? systemTimers;
    const tick = () => {
      void this.flush();
      if (this.#cancelFlush) this.#cancelFlush = timers.after(interval, tick);
    };
    this.#cancelFlush = timers.after(interval, tick);
  }

  /** Creates the files (exclusively, mode 0600) and writes the header at once. */
  static async create(o: AsciicastWriterOptions): Promise<AsciicastWriter> {
    const sink = o.openSink ? await o.openSink() : await openPlainSink(o.castPath, o.openFile);
    const w = new AsciicastWriter(o, sink);
    await w.flush();
    if (w.#w.failed) {
      const error = w.#w.failed;
      w.#abandoned = true;
      await w.close().catch(() => undefined);
      throw error;
    }
    return w;
  }

  output(data: Buffer): void {
    this.#bytes('o', data);
  }

  input(data: Buffer): void {
    this.#bytes('i', data);
  }

  /** Valid UTF-8 becomes a text event (an unfinished last character waits); anything else is kept raw. */
  #bytes(dir: 'o' | 'i', data: Buffer): void {
    if (this.#suspended || this.#w.failed || this.#closing) return;
    const piece = this.#utf8[dir].next(data);
    if (!piece) return;
    if ('text' in piece) this.#text(dir, piece.text);
    else this.#raw(dir, piece.raw);
  }

  marker(label: string): void {
    if (this.#w.failed || this.#closing) return;
    this.#event('m', printable(label, MAX_MARKER_LABEL));
  }

  resize(cols: number, rows: number): void {
    if (this.#w.failed || this.#closing) return;
    ({ cols, rows } = clampTerminalSize(cols, rows));
    if (this.#suspended) {
      this.#pendingSize = { cols, rows };
      return;
    }
    this.#resizeNow(cols, rows);
  }

  /**
   * Nothing at all is written until resume(): no output, no input, no resize. A character cut in
   * half by the suspension is dropped with it (never written as U+FFFD).
   */
  suspend(): void {
    if (this.#suspended) return;
    this.#suspended = true;
    this.#utf8.o.suspended();
    this.#utf8.i.suspended();
  }

  resume(): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    this.#utf8.o.resumed();
    this.#utf8.i.resumed();
    const size = this.#pendingSize;
    this.#pendingSize = undefined;
    if (size && !this.#w.failed && !this.#closing) this.#resizeNow(size.cols, size.rows);
  }

  onFailure(cb: (error: Error) => void): void {
    this.#w.onFailure(cb);
  }

  get failed(): Error | undefined {
    return this.#w.failed;
  }

  /** Writes what is buffered (the timer calls this at least every second). */
  flush(): Promise<void> {
    if (this.#w.failed || (!this.#castBufBytes && !this.#indexBuf.length)) return this.#w.chain;
    this.#closeTextRun();
    const records = this.#castBuf;
    if (this.#indexBuf.length)
      records.push({ type: RECORD.indexText, text: Buffer.from(this.#indexBuf.join(''), 'utf8') });
    const view = this.#castBufView;
    const stored = this.#castBufBytes;
    const tEnd = this.#lastT;
    this.#castBuf = [];
    this.#castBufBytes = 0;
    this.#castBufView = 0;
    this.#indexBuf = [];
    return this.#w.enqueue(
      stored,
      async () => {
        await this.#sink.write({ records, castLength: view, tEnd });
        this.#w.written += view;
        if (view) this.#onWritten?.(view);
      },
      () => {
        // What was handed over during this write goes out now, in one write, if someone waits.
        if (this.#w.waiting && !this.#w.inFlight && this.#castBufBytes) void this.flush();
      },
    );
  }

  /**
   * Resolves true once everything handed over so far is written to the cast file, false if
   * writing has failed (then it never will be). Writes start at once rather than on the timer; a
   * burst of calls while one write is under way is written together by the next one.
   */
  committed(): Promise<boolean> {
    return this.#w.committed(this.#offset, () => {
      if (!this.#w.inFlight) void this.flush();
    });
  }

  /** Bytes recorded but not yet on disk: the session slows its target down while this is high. */
  backlog(): number {
    return this.#w.backlog(this.#castBufBytes);
  }

  /** Resolves once everything handed over so far is written (or writing has failed). */
  drained(): Promise<void> {
    return this.flush();
  }

  close(): Promise<RecordingSummary> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<RecordingSummary> {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    if (!this.#w.failed && !this.#suspended) {
      // Whatever is held back is an incomplete character: it is kept raw (the cast shows U+FFFD,
      // as a terminal would), and only here, at the very end.
      for (const dir of ['o', 'i'] as const) {
        const rest = this.#utf8[dir].takeRest();
        if (rest.length) this.#raw(dir, rest, true);
      }
    }
    await this.flush();
    const durationMs = Math.max(0, this.#clock.now().getTime() - this.#startMs);
    try {
      await this.#sink.finish(
        { events: this.#events, castBytes: this.#w.written, durationSeconds: this.#lastT },
        !!this.#w.failed,
      );
    } catch (e) {
      this.#w.fail(e);
    }
    await this.#sink.close().catch((e: unknown) => this.#w.fail(e));
    const summary: RecordingSummary = {
      id: this.id,
      path: this.castPath,
      bytes: this.#sink.bytes,
      events: this.#events,
      durationMs,
    };
    if (this.#onClosed && !this.#abandoned) await this.#onClosed(summary, this.#w.failed);
    return summary;
  }

  #resizeNow(cols: number, rows: number): void {
    this.#event('r', `${cols}x${rows}`);
    this.#cols = cols;
    this.#rows = rows;
  }

  #event(code: 'o' | 'i' | 'r' | 'm', data: string, closing = false, escaped = JSON.stringify(data)): void {
    if (!data || this.#w.failed || (this.#closing && !closing)) return;
    const t = this.#tick();
    this.#append(`[${t.toFixed(6)}, "${code}", `, escaped, ']\n');
    this.#events++;
    if (this.#castBufBytes >= this.#flushBytes) void this.flush();
  }

  /**
   * Valid UTF-8 output or input. Text whose JSON form is much larger than its bytes (NUL bytes and
   * other control characters become six-character `\u0000` escapes: `head -c N /dev/zero` would be
   * stored six times over, and encrypted and written so) is kept as a raw record instead: the cast
   * view draws a raw record as exactly the same line, so only the stored form changes. A leading
   * byte-order mark stays text, since the raw record's decoding drops one.
   */
  #text(dir: 'o' | 'i', bytes: Buffer): void {
    const data = bytes.toString('utf8');
    const escaped = JSON.stringify(data);
    if (escaped.length > 2 * bytes.length + RAW_INSTEAD_SLACK && !startsWithBom(bytes))
      this.#raw(dir, Buffer.from(bytes), false, escaped);
    else this.#event(dir, data, false, escaped);
  }

  /**
   * Bytes stored as they are (the cast shows them decoded): not valid UTF-8, or text that escapes
   * badly. `escaped` is the JSON of their text when the caller has it: the cast line's length
   * follows from it without drawing the line.
   */
  #raw(dir: 'o' | 'i', raw: Buffer, closing = false, escaped?: string): void {
    if (this.#w.failed || (this.#closing && !closing)) return;
    const t = this.#tick();
    const type = dir === 'o' ? RECORD.rawOutput : RECORD.rawInput;
    // `[t, "o", <JSON of the decoded bytes>]\n`, counted without drawing it.
    const view =
      Buffer.byteLength(`[${t.toFixed(6)}, "${dir}", `) +
      (escaped === undefined ? decodedJsonLength(raw) : Buffer.byteLength(escaped)) +
      2;
    this.#closeTextRun();
    this.#castBuf.push({ type, t, raw });
    this.#castBufBytes += raw.length + 13;
    this.#castBufView += view;
    this.#offset += view;
    this.#events++;
    if (this.#castBufBytes >= this.#flushBytes) void this.flush();
  }

  /** The time of the next event, and a keyframe in the side index when one is due before it. */
  #tick(): number {
    // Time never runs backwards in a cast, even if the wall clock does.
    const t = Math.max(this.#lastT, round6((this.#clock.now().getTime() - this.#startMs) / 1000));
    this.#lastT = t;
    const k = this.#lastKeyframe;
    if (t - k.t >= this.#keyframeSeconds || this.#offset - k.offset >= this.#keyframeBytes) {
      this.#lastKeyframe = { t, offset: this.#offset, cols: this.#cols, rows: this.#rows };
      this.#indexBuf.push(JSON.stringify(this.#lastKeyframe) + '\n');
    }
    return t;
  }

  /** A cast line (in up to three pieces, so the event's JSON is not copied into a larger string). */
  #append(a: string, b = '', c = ''): void {
    const n = this.#textRuns.append(a, b, c);
    this.#castBufBytes += n;
    this.#castBufView += n;
    this.#offset += n;
  }

  /** The text since the last raw record becomes one record (neighbouring lines share one). */
  #closeTextRun(): void {
    const text = this.#textRuns.take();
    if (text) this.#castBuf.push({ type: RECORD.castText, text });
  }
}
