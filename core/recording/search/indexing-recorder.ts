/**
 * A terminal recorder that also indexes what it records, for `custody recordings search` and the
 * console's Recordings search: the lines the terminal showed (./screen-tap.ts), the commands typed
 * at a prompt (./typed-line.ts), and the markers. Each detected command is also written to the
 * recording as a marker, so players list it. Everything passes through to the wrapped recorder
 * first and unchanged; the index is built beside it, off the session's path: the headless terminal
 * parses asynchronously and lines go to the database in batches. Indexing never fails a session:
 * a batch the database refuses is logged and dropped.
 */
import type { Logger } from '../../runtime.ts';
import type { Timers } from '../../timers.ts';
import type { IndexedLine, IndexedLineKind } from '../../storage/repos/index.ts';
import type { TerminalRecorder } from '../recorder.ts';
import type { RecordingSummary } from '../types.ts';
import { ScreenTap } from './screen-tap.ts';
import { TypedLine, type TypedCommand } from './typed-line.ts';

/** Where batches of lines go (core's search index); null when `[recordings] search_index` is off. */
export type LineSink = (lines: IndexedLine[]) => Promise<void>;

export interface IndexingOptions {
  timers: Timers;
  logger: Logger;
  /** null: markers for detected commands are still written, nothing is indexed. */
  sink: LineSink | null;
  cols: number;
  rows: number;
  /**
   * A command run without a shell (`ssh host CMD`): indexed and marked as typed at the start. Its
   * output is not drawn for the index: it has no screen, and is often not text at all.
   */
  command?: string;
}

/** A batch goes to the database at this size, or after this long, whichever comes first. */
export const BATCH_LINES = 256;
export const BATCH_MS = 1000;
/** Completed lines after Enter in which the command's echo is looked for. */
const ECHO_LINES = 3;
/** A shell prompt's end: what precedes the command on the line the operator typed it on. */
const PROMPT_END = /^.*?[$#>%]\s+(.+)$/;

interface PendingCommand extends TypedCommand {
  atMs: number;
  linesLeft: number;
}

export function withSearchIndex(inner: TerminalRecorder, o: IndexingOptions): TerminalRecorder {
  return new IndexingRecorder(inner, o);
}

class IndexingRecorder implements TerminalRecorder {
  readonly #inner: TerminalRecorder;
  readonly #o: IndexingOptions;
  readonly #startMs: number;
  readonly #tap: ScreenTap;
  readonly #typed = new TypedLine();
  readonly #out = new TextDecoder('utf-8');
  readonly #in = new TextDecoder('utf-8');
  #pending: PendingCommand[] = [];
  #batch: IndexedLine[] = [];
  #cancelFlush: (() => void) | undefined;
  #writing: Promise<void> = Promise.resolve();
  #suspended = false;
  #closed = false;
  #warned = false;

  constructor(inner: TerminalRecorder, o: IndexingOptions) {
    this.#inner = inner;
    this.#o = o;
    this.#startMs = o.timers.now().getTime();
    this.#tap = new ScreenTap(o.cols, o.rows, (l) => {
      this.#add('screen', l.atMs, l.line);
      this.#matchEcho(l.line);
    });
    this.#screen = o.command === undefined;
    this.#command = o.command?.trim() || undefined;
  }

  /** False for a command without a shell: no screen, no prompt, nothing typed to follow. */
  readonly #screen: boolean;
  /** That command, until it is marked: after the session's start marker, at its first bytes. */
  #command: string | undefined;

  #markCommand(): void {
    const command = this.#command;
    if (!command) return;
    this.#command = undefined;
    this.#add('command', 0, command);
    this.#inner.marker(`command: ${command}`);
  }

  get id(): string | null {
    return this.#inner.id;
  }

  output(data: Buffer): void {
    this.#markCommand();
    this.#inner.output(data);
    if (this.#suspended || this.#closed || !this.#screen) return;
    this.#tap.write(this.#out.decode(data, { stream: true }), this.#now());
  }

  input(data: Buffer): void {
    this.#markCommand();
    this.#inner.input(data);
    if (this.#suspended || this.#closed || !this.#screen) return;
    const atMs = this.#now();
    for (const command of this.#typed.feed(this.#in.decode(data, { stream: true })))
      this.#entered(command, atMs);
  }

  resize(cols: number, rows: number): void {
    this.#inner.resize(cols, rows);
    this.#tap.resize(cols, rows);
  }

  marker(label: string): void {
    this.#inner.marker(label);
    if (!this.#closed) this.#add('marker', this.#now(), label);
  }

  suspend(): void {
    this.#suspended = true;
    this.#inner.suspend();
  }

  resume(): void {
    this.#suspended = false;
    this.#inner.resume();
  }

  onFailure(cb: (error: Error) => void): void {
    this.#inner.onFailure(cb);
  }
  backlog(): number {
    return this.#inner.backlog();
  }
  drained(): Promise<void> {
    return this.#inner.drained();
  }
  committed(): Promise<boolean> {
    return this.#inner.committed();
  }

  async close(): Promise<RecordingSummary | undefined> {
    const end = this.#now();
    this.#markCommand();
    if (!this.#closed) {
      this.#closed = true;
      // Drawn first: a command whose echo is still being parsed gets its marker before the end.
      await this.#tap.drawn();
      this.#tap.snapshot(end);
      this.#tap.dispose();
    }
    const summary = await this.#inner.close();
    this.#flush();
    await this.#writing;
    return summary;
  }

  #now(): number {
    return Math.max(0, this.#o.timers.now().getTime() - this.#startMs);
  }

  /**
   * Enter was pressed. Once the screen shows what came before it, the command is taken if the
   * terminal echoed it: a line typed with echo off (a password at a `sudo` prompt) is on no screen
   * and is never indexed. When completion or history made the keys unreliable, the screen's line
   * after the prompt is the command.
   */
  #entered(command: TypedCommand, atMs: number): void {
    if (!command.text && !command.uncertain) return;
    this.#tap.afterDrawn((cursorLine) => {
      const p: PendingCommand = { ...command, atMs, linesLeft: ECHO_LINES };
      if (!this.#settle(p, cursorLine)) this.#pending.push(p);
    });
  }

  /** A completed screen line: a command waiting for its echo may be on it. */
  #matchEcho(line: string): void {
    if (this.#pending.length === 0) return;
    this.#pending = this.#pending.filter((p) => !this.#settle(p, line) && --p.linesLeft > 0);
  }

  /** True once `p` is decided (indexed from `line`); false to keep looking. */
  #settle(p: PendingCommand, line: string): boolean {
    let text: string | undefined;
    if (!p.uncertain) {
      if (p.text && line.includes(p.text)) text = p.text;
    } else text = PROMPT_END.exec(line.trim())?.[1]?.trim();
    if (!text) return false;
    this.#add('command', p.atMs, text);
    this.#inner.marker(`command: ${text}`);
    return true;
  }

  #add(kind: IndexedLineKind, atMs: number, line: string): void {
    const id = this.#inner.id;
    if (!this.#o.sink || !id) return;
    this.#batch.push({ recordingId: id, atMs, kind, line });
    if (this.#batch.length >= BATCH_LINES) this.#flush();
    else this.#cancelFlush ??= this.#o.timers.after(BATCH_MS, () => this.#flush());
  }

  #flush(): void {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    const sink = this.#o.sink;
    if (!sink || this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    // One batch at a time, in order: the database sees a recording's lines as they came.
    this.#writing = this.#writing.then(() =>
      sink(batch).catch((e: unknown) => {
        if (this.#warned) return;
        this.#warned = true;
        this.#o.logger.log('warn', 'search index: lines of a recording were not indexed', {
          recording: this.#inner.id,
          error: String((e as Error)?.message).split('\n')[0],
        });
      }),
    );
  }
}
