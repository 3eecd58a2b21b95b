/**
 * What a terminal showed, as text lines with the time each appeared: the session's output is
 * drawn on a headless terminal (the same @xterm/headless the player replays through), and a line
 * is taken when the cursor leaves it for the next one (a line feed: shell output, a command's
 * echo) and, for full-screen programs that redraw in place (an editor, `top`), from the visible
 * screen at most once per `snapshotMs` of session time.
 */
import headless from '@xterm/headless';
import { clampTerminalSize } from '../../terminal-size.ts';

const { Terminal } = headless;

export interface ShownLine {
  atMs: number;
  line: string;
}

/** How often, in session time, the screen of a program that redraws in place is read. */
export const SNAPSHOT_MS = 2000;
/**
 * Characters written but not parsed yet beyond which output is not drawn for the index: a flood
 * (`cat` of a huge file) would otherwise queue without bound in the gateway's memory. What the
 * flood showed is missing from the index; the recording has all of it.
 */
export const MAX_UNPARSED_CHARS = 4 * 1024 * 1024;

export class ScreenTap {
  readonly #term: InstanceType<typeof Terminal>;
  readonly #emit: (line: ShownLine) => void;
  /** The time of each write not parsed yet, in write order (xterm parses asynchronously). */
  readonly #parsing: number[] = [];
  /** Lines already taken since the last snapshot (and those of the last snapshot): not again. */
  #recent = new Set<string>();
  #lastSnapshotMs = 0;
  #dirty = false;
  #disposed = false;
  #unparsed = 0;

  constructor(cols: number, rows: number, emit: (line: ShownLine) => void) {
    this.#term = new Terminal({
      ...clampTerminalSize(cols, rows),
      scrollback: 0,
      allowProposedApi: true,
      // A target's malformed escape sequences would each print a parser error, with the bytes
      // around it, to the node's stderr: a flood a client controls, and session content in a log.
      logLevel: 'off',
    });
    this.#emit = emit;
    this.#term.onLineFeed(() => {
      const buf = this.#term.buffer.active;
      // The cursor has moved down already: the line it left is the one above it.
      if (buf.cursorY > 0) this.#take(buf.getLine(buf.baseY + buf.cursorY - 1)?.translateToString(true));
    });
  }

  /** Output shown `atMs` after the start. */
  write(data: string, atMs: number): void {
    if (this.#disposed || this.#unparsed + data.length > MAX_UNPARSED_CHARS) return;
    this.#unparsed += data.length;
    this.#parsing.push(atMs);
    this.#dirty = true;
    this.#term.write(data, () => {
      this.#unparsed -= data.length;
      this.#parsing.shift();
      if (atMs - this.#lastSnapshotMs >= SNAPSHOT_MS) this.snapshot(atMs);
    });
  }

  resize(cols: number, rows: number): void {
    if (this.#disposed) return;
    ({ cols, rows } = clampTerminalSize(cols, rows));
    if (cols !== this.#term.cols || rows !== this.#term.rows) this.#term.resize(cols, rows);
  }

  /** Calls `fn` once everything written so far is drawn (with the text of the cursor's line). */
  afterDrawn(fn: (cursorLine: string) => void): void {
    if (this.#disposed) return;
    this.#term.write('', () => {
      const buf = this.#term.buffer.active;
      fn(buf.getLine(buf.baseY + buf.cursorY)?.translateToString(true) ?? '');
    });
  }

  /** Takes the visible lines not taken recently. */
  snapshot(atMs: number): void {
    if (this.#disposed || !this.#dirty) return;
    this.#dirty = false;
    this.#lastSnapshotMs = atMs;
    const buf = this.#term.buffer.active;
    const screen = new Set<string>();
    for (let y = 0; y < this.#term.rows; y++) {
      const text = buf
        .getLine(buf.baseY + y)
        ?.translateToString(true)
        .trim();
      if (!text) continue;
      screen.add(text);
      if (!this.#recent.has(text)) this.#emit({ atMs, line: text });
    }
    this.#recent = screen;
  }

  /** Resolves once every write so far is parsed. */
  drawn(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    return new Promise((resolve) => this.#term.write('', resolve));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#term.dispose();
  }

  #take(raw: string | undefined): void {
    const text = raw?.trim();
    if (!text || this.#recent.has(text)) return;
    this.#recent.add(text);
    // Bounded: a long stream of distinct lines between two snapshots must not grow it for ever.
    if (this.#recent.size > 4096) this.#recent = new Set([text]);
    this.#emit({ atMs: this.#parsing[0] ?? this.#lastSnapshotMs, line: text });
  }
}
