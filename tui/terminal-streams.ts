import { PassThrough, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { clampTerminalSize, type ConsoleTerminal } from '../core/index.ts';
import { KeyTokenizer } from './key-tokens.ts';

/** How long the rest of a sequence cut off at the end of a read is waited for. */
const SEQUENCE_WAIT_MS = 50;

/** Terminal controls the console writes itself (xterm; every terminal an SSH client runs in has them). */
export const ESC = {
  enterAltScreen: '\x1b[?1049h\x1b[H\x1b[2J',
  leaveAltScreen: '\x1b[?1049l',
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  resetAttributes: '\x1b[0m',
} as const;

type TtyIn = PassThrough & { isTTY: boolean; setRawMode(on: boolean): TtyIn; ref(): TtyIn; unref(): TtyIn };
type TtyOut = Writable & { isTTY: boolean; columns: number; rows: number };

/**
 * Ink wants a TTY pair (stdin with raw mode, stdout with a size and `resize` events); the console
 * has an SSH channel. These adapt one to the other, and let the console step aside while a target
 * session or a shadow owns the terminal: input stops reaching Ink and Ink's drawing is dropped.
 */
export class TerminalStreams {
  readonly stdin: TtyIn;
  readonly stdout: TtyOut;
  #suspended = false;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #decoder = new StringDecoder('utf8');
  readonly #tokens = new KeyTokenizer();
  /** Keys read but not yet handed to Ink. */
  readonly #keys: string[] = [];
  #feeding: ReturnType<typeof setTimeout> | undefined;
  #waitingForRest: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(private readonly terminal: ConsoleTerminal) {
    const stdin = new PassThrough() as TtyIn;
    stdin.isTTY = true;
    stdin.setRawMode = () => stdin;
    stdin.ref = () => stdin;
    stdin.unref = () => stdin;
    this.stdin = stdin;

    const stdout = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        // No line discipline sits between Ink and the SSH channel (the pty is the client's), so
        // the console does the kernel's ONLCR itself: a bare LF would only move down, not left.
        if (!this.#suspended) terminal.write(chunk.toString('utf8').replace(/\r?\n/g, '\r\n'));
        done();
      },
    }) as TtyOut;
    stdout.isTTY = true;
    // At least 20×5 (the console's smallest layout), at most core's maximum terminal size.
    const first = clampTerminalSize(terminal.cols, terminal.rows);
    stdout.columns = Math.max(first.cols, 20);
    stdout.rows = Math.max(first.rows, 5);
    this.stdout = stdout;

    this.#unsubscribe.push(
      terminal.onData((chunk) => {
        if (this.#suspended || this.#closed) return;
        clearTimeout(this.#waitingForRest);
        this.#keys.push(...this.#tokens.push(this.#decoder.write(chunk)));
        if (this.#tokens.pending)
          this.#waitingForRest = setTimeout(() => {
            this.#keys.push(...this.#tokens.flush());
            this.#feed();
          }, SEQUENCE_WAIT_MS);
        this.#feed();
      }),
      terminal.onResize((cols, rows) => {
        const size = clampTerminalSize(cols, rows);
        stdout.columns = Math.max(size.cols, 20);
        stdout.rows = Math.max(size.rows, 5);
        if (!this.#suspended) stdout.emit('resize');
      }),
    );
  }

  /**
   * Hands Ink one key per turn of the event loop, so each key's state updates and effects have
   * settled before the next key is read (a timer turn comes after Ink's own Esc flush and React's
   * passive effects, both of which run on setImmediate). Keys still queued when the console steps
   * aside are dropped, as keys typed while it is aside are.
   */
  #feed(): void {
    if (this.#feeding !== undefined) return;
    const next = () => {
      this.#feeding = undefined;
      if (this.#suspended || this.#closed) {
        this.#keys.length = 0;
        return;
      }
      const key = this.#keys.shift();
      if (key === undefined) return;
      this.stdin.write(key);
      this.#feeding = setTimeout(next, 0);
    };
    next();
  }

  get suspended(): boolean {
    return this.#suspended;
  }

  /** The console steps aside: the terminal leaves the console's screen and belongs to `fn`. */
  async aside<T>(fn: (terminal: ConsoleTerminal) => Promise<T>): Promise<T> {
    this.#suspended = true;
    this.terminal.write(ESC.resetAttributes + ESC.leaveAltScreen + ESC.showCursor);
    try {
      return await fn(this.terminal);
    } finally {
      this.terminal.write(ESC.enterAltScreen + ESC.hideCursor);
      this.#suspended = false;
      // Whatever size the terminal has now, Ink redraws for it.
      this.stdout.emit('resize');
    }
  }

  /** Writes around Ink (OSC 52, bells); never while the terminal belongs to a session. */
  writeRaw(data: string): void {
    if (!this.#suspended) this.terminal.write(data);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#feeding);
    clearTimeout(this.#waitingForRest);
    for (const u of this.#unsubscribe.splice(0)) u();
    this.stdin.end();
  }
}
