// Renders the Ink console into a real terminal emulator (xterm headless) through the same
// ConsoleTerminal contract the gateway uses, sends keys, and reads frames. A blank frame or a
// React `act(...)` warning fails the test that sees it.
import { EventEmitter } from 'node:events';
import headless from '@xterm/headless';
import type { Actor, Core, ConsoleTerminal } from '../../core/index.ts';
import { startConsole, type ConsoleOptions } from '../../tui/index.ts';

const { Terminal } = headless;

export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  backspace: '\x7f',
  ctrlC: '\x03',
  ctrlF: '\x06',
  ctrlO: '\x0f',
  pageDown: '\x1b[6~',
} as const;

export interface ConsoleHarness {
  /** The screen as text lines (what the operator sees). */
  frame(): string;
  /** Sends keys one at a time, as a person types them. */
  press(...keys: string[]): Promise<void>;
  /** Sends keys in one read, as a slow SSH link delivers keys typed quickly. */
  send(...keys: string[]): Promise<void>;
  /** Waits until the screen contains `text` (or matches it); fails with the last frame. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  waitForGone(text: string, timeoutMs?: number): Promise<string>;
  /**
   * Waits until the explorer settled on its opening view (Favourites when the user has some, All
   * otherwise), then moves to All: the test no longer races the favourites lookup with its → key.
   */
  showAll(): Promise<string>;
  resize(cols: number, rows: number): void;
  /** Raw bytes the console wrote (OSC 52 and the like). */
  written(): string;
  launches: string[];
  exit: Promise<number>;
  close(): Promise<number>;
}

export async function openConsole(
  core: Core,
  actor: Actor,
  o: {
    cols?: number;
    rows?: number;
    noColor?: boolean;
    options?: ConsoleOptions;
    launch?: (ref: string, terminal: ConsoleTerminal) => Promise<number>;
    /** Where the console's browser links point (a listener's `https://HOST:PORT`); none by default. */
    webAddress?: () => string | undefined;
  } = {},
): Promise<ConsoleHarness> {
  const cols = o.cols ?? 80;
  const rows = o.rows ?? 24;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  const events = new EventEmitter();
  let raw = '';
  let pending = Promise.resolve();
  const terminal: ConsoleTerminal = {
    cols,
    rows,
    noColor: o.noColor ?? false,
    write: (d) => {
      const s = typeof d === 'string' ? d : d.toString('utf8');
      raw += s;
      pending = new Promise((r) => term.write(s, r));
    },
    onData: (cb) => {
      events.on('data', cb);
      return () => events.off('data', cb);
    },
    onResize: (cb) => {
      events.on('resize', cb);
      return () => events.off('resize', cb);
    },
    onEnd: (cb) => {
      events.on('end', cb);
      return () => events.off('end', cb);
    },
  };
  const warnings: string[] = [];
  const origError = console.error;
  console.error = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (/act\(|not wrapped in act/.test(text)) warnings.push(text);
    origError(...args);
  };
  const launches: string[] = [];
  const exit = startConsole(
    {
      core,
      actor,
      source: 'test',
      webAddress: o.webAddress,
      launch: async (ref) => {
        launches.push(ref);
        return o.launch ? o.launch(ref, terminal) : 0;
      },
    },
    terminal,
    o.options ?? {},
  );
  const frame = () => {
    const buf = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++)
      out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return out.join('\n');
  };
  const check = (f: string) => {
    if (warnings.length) throw new Error(`React act() warning: ${warnings[0]}`);
    return f;
  };
  const waitFor = async (text: string | RegExp, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      await pending;
      const f = check(frame());
      if (typeof text === 'string' ? f.includes(text) : text.test(f)) {
        if (!f.trim()) throw new Error('blank frame');
        return f;
      }
      if (Date.now() > until) throw new Error(`timed out waiting for ${String(text)}; the screen was:\n${f}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    frame: () => check(frame()),
    press: async (...keys) => {
      for (const k of keys) {
        events.emit('data', Buffer.from(k, 'utf8'));
        // A lone ESC is told apart from the start of a sequence by the pause after it (as on a
        // real line): give it one before the next key.
        await new Promise((r) => setTimeout(r, k === KEYS.escape ? 80 : 15));
      }
    },
    send: async (...keys) => {
      events.emit('data', Buffer.from(keys.join(''), 'utf8'));
      await new Promise((r) => setTimeout(r, 15));
    },
    waitFor,
    showAll: async () => {
      const opened = await waitFor(/^(Favourites|All) · \d/m);
      if (/^All · /m.test(opened)) return opened;
      events.emit('data', Buffer.from(KEYS.right, 'utf8'));
      return waitFor(/^All · \d/m);
    },
    waitForGone: async (text, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await pending;
        const f = check(frame());
        if (!f.includes(text) && f.trim()) return f;
        if (Date.now() > until) throw new Error(`'${text}' still on screen:\n${f}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    resize: (c, r) => {
      term.resize(c, r);
      events.emit('resize', c, r);
    },
    written: () => raw,
    launches,
    exit,
    close: async () => {
      events.emit('end');
      const code = await exit;
      console.error = origError;
      term.dispose();
      return code;
    },
  };
}

/** Timers the test moves by hand: reveal and clipboard time-outs without sleeping. */
export function manualTimers() {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const id = ++seq;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h: unknown) => void due.delete(h as number),
    /** Moves time on by `ms`, running what falls due, in order. */
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...due.entries()].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          due.delete(id);
          t.fn();
        }
      }
    },
  };
}
