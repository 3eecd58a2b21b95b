/**
 * The headless terminal behind the mux: fed with the target's output so a late joiner can be sent
 * the current screen. xterm parses writes asynchronously, so the text written but not parsed yet
 * is kept and appended to the serialized screen: snapshot() is always "everything so far".
 */
// Both packages are CommonJS without an `exports` map: in Node's ESM the classes hang off the
// default export (named imports fail for @xterm/headless).
import headless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';

const { Terminal } = headless;
const { SerializeAddon } = serializeAddon;

/** Clears a viewer's screen and resets attributes before the serialized screen is drawn. */
const PREAMBLE = '\x1b[0m\x1b[H\x1b[2J';

export class HeadlessScreen {
  readonly #term: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;
  /** Written to xterm, not yet parsed (in write order; each write's callback removes its text). */
  readonly #pending: string[] = [];
  #disposed = false;

  constructor(cols: number, rows: number, scrollback = 1000) {
    this.#term = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
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
    this.#term.write(text, () => {
      this.#pending.shift();
    });
  }

  resize(cols: number, rows: number): void {
    if (this.#disposed || cols < 1 || rows < 1) return;
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
    this.#term.dispose();
  }
}
