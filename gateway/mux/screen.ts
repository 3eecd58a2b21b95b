/**
 * The headless terminal behind the mux: fed with the target's output so a late joiner can be sent
 * the current screen. xterm parses writes asynchronously, so the text written but not parsed yet
 * is kept and appended to the serialized screen: snapshot() is always "everything so far".
 */
// Both packages are CommonJS without an `exports` map: in Node's ESM the classes hang off the
// default export (named imports fail for @xterm/headless).
import headless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { clampTerminalSize } from '../../core/index.ts';

const { Terminal } = headless;
const { SerializeAddon } = serializeAddon;

/** Clears a viewer's screen and resets attributes before the serialized screen is drawn. */
const PREAMBLE = '\x1b[0m\x1b[H\x1b[2J';

/** Lines of scrollback a caller may ask for at most (each line is up to 500 cells). */
export const MAX_SCROLLBACK = 1000;

export class HeadlessScreen {
  readonly #term: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;
  /** Written to xterm, not yet parsed (in write order; each write's callback removes its text). */
  readonly #pending: string[] = [];
  #pendingChars = 0;
  #disposed = false;

  /**
   * Memory is bounded by the size (clamped to core's maximum whatever the caller passes) and the
   * scrollback, which defaults to none: snapshots show the visible screen only, so lines scrolled
   * off it are never needed.
   */
  constructor(cols: number, rows: number, scrollback = 0) {
    const size = clampTerminalSize(cols, rows);
    this.#term = new Terminal({
      ...size,
      scrollback: Math.min(Math.max(0, scrollback), MAX_SCROLLBACK),
      allowProposedApi: true,
      // A target's malformed escape sequences would each print a parser error, with the bytes
      // around it, to the node's stderr: a flood a client controls, and session content in a log.
      logLevel: 'off',
    });
    this.#serializer = new SerializeAddon();
    this.#term.loadAddon(this.#serializer);
  }

  get cols(): number {
    return this.#term.cols;
  }
  get rows(): number {
    return this.#term.rows;
  }

  write(text: string): void {
    if (this.#disposed || !text) return;
    this.#pending.push(text);
    this.#pendingChars += text.length;
    this.#term.write(text, () => {
      this.#pendingChars -= this.#pending.shift()?.length ?? 0;
    });
  }

  /** Characters written but not parsed yet: the session holds its target while this is high. */
  backlog(): number {
    return this.#disposed ? 0 : this.#pendingChars;
  }

  resize(cols: number, rows: number): void {
    if (this.#disposed || cols < 1 || rows < 1) return;
    ({ cols, rows } = clampTerminalSize(cols, rows));
    if (cols === this.#term.cols && rows === this.#term.rows) return;
    this.#term.resize(cols, rows);
  }

  /** The visible screen (no scrollback) as terminal bytes, cursor included. */
  snapshot(): string {
    if (this.#disposed) return '';
    return PREAMBLE + this.#serializer.serialize({ scrollback: 0 }) + this.#pending.join('');
  }

  /** The screen as plain text lines (for tests and diagnostics); only what xterm has parsed. */
  lines(): string[] {
    const buf = this.#term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < this.#term.rows; i++)
      out.push(buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '');
    return out;
  }

  /** Resolves once every write so far has been parsed. */
  settled(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    return new Promise((resolve) => this.#term.write('', resolve));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#pending.length = 0;
    this.#pendingChars = 0;
    this.#term.dispose();
  }
}
