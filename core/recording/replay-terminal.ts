/**
 * The headless terminal a recording is replayed through (the player's screen, and the one that
 * draws screen keyframes). It keeps no scrollback: a replay shows the visible screen only.
 */
// Both packages are CommonJS without an `exports` map: in Node's ESM the classes hang off the
// default export (named imports fail for @xterm/headless).
import headless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { clampTerminalSize } from '../terminal-size.ts';

const { Terminal } = headless;
const { SerializeAddon } = serializeAddon;

export class ReplayTerminal {
  readonly #term: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;

  /** A cast is a file: whatever size it claims, the terminal stays within core's maximum. */
  constructor(cols: number, rows: number) {
    this.#term = new Terminal({
      ...clampTerminalSize(cols, rows),
      scrollback: 0,
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

  /** Resolves once xterm has parsed `data`. */
  write(data: string): Promise<void> {
    return new Promise((resolve) => this.#term.write(data, resolve));
  }

  resize(cols: number, rows: number): void {
    ({ cols, rows } = clampTerminalSize(cols, rows));
    if (cols !== this.#term.cols || rows !== this.#term.rows) this.#term.resize(cols, rows);
  }

  /**
   * The visible screen as terminal bytes: written to a reset terminal, it draws the same screen.
   * The serializer leaves out the scroll region (a pager or an editor sets one): it is added here,
   * then the cursor put back where it was, since setting a region moves the cursor home.
   */
  serialize(): string {
    const screen = this.#serializer.serialize({ scrollback: 0 });
    const b = (this.#term as unknown as { _core?: { buffer?: Partial<Record<string, number>> } })._core
      ?.buffer;
    const { scrollTop: top, scrollBottom: bottom, x, y } = b ?? {};
    if (
      typeof top !== 'number' ||
      typeof bottom !== 'number' ||
      typeof x !== 'number' ||
      typeof y !== 'number'
    )
      return screen;
    if (top === 0 && bottom === this.#term.rows - 1) return screen;
    const origin = this.#term.modes.originMode ? top : 0;
    return `${screen}\x1b[${top + 1};${bottom + 1}r\x1b[${y - origin + 1};${x + 1}H`;
  }

  /** Back to a blank screen of `cols` x `rows` showing `screen` (a serialize() result). */
  async restore(cols: number, rows: number, screen: string): Promise<void> {
    this.#term.reset();
    this.resize(cols, rows);
    if (screen) await this.write(screen);
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
}
