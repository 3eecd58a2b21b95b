// The operations wallboard: a read-only blessed-contrib board of the whole bastion, for
// auditors and administrators. The gateway hosts it through core's `StartWallboard` contract
// (like the console); it reads only through `core.as(actor)`.
import {
  ForbiddenError,
  firstLine,
  printable,
  systemTimers,
  type ConsoleTerminal,
  type StartWallboard,
  type Timers,
  type WallboardSession,
} from '../core/index.ts';
import { boardKeys } from './board-keys.ts';
import { BoardLoop, DEFAULT_REFRESH_MS } from './board-loop.ts';

export interface WallboardOptions {
  /** What the refresh schedule runs on (default real time; tests and the bench pass manual timers). */
  timers?: Timers;
  refreshMs?: number;
  /** Called after each refresh is drawn (the bench counts and times them). */
  onDraw?: () => void;
}

export const WALLBOARD_REFUSAL = 'custody: the wallboard is for auditors and administrators';

export function wallboardStarter(options: WallboardOptions = {}): StartWallboard {
  return (session, terminal) => startWallboard(session, terminal, options);
}

/** NO_COLOR from the client (SendEnv) or in the server's own environment (no-color.org). */
function noColor(terminal: ConsoleTerminal): boolean {
  return terminal.noColor === true || (process.env.NO_COLOR ?? '') !== '';
}

export async function startWallboard(
  session: WallboardSession,
  terminal: ConsoleTerminal,
  options: WallboardOptions = {},
): Promise<number> {
  const board = session.core.as(session.actor).board;
  const where = `ssh ${session.source}`;
  try {
    await board.open(where);
  } catch (e) {
    if (!(e instanceof ForbiddenError)) throw e;
    terminal.write(`${WALLBOARD_REFUSAL}\r\n`);
    return 1;
  }
  const timers = options.timers ?? systemTimers;
  const opened = timers.now().getTime();
  // blessed and blessed-contrib load only when a board opens: every other `custody` command (and
  // a server nobody watches) would pay for some sixty packages it never uses.
  const { BoardScreen } = await import('./board-screen.ts');
  const screen = new BoardScreen(terminal, noColor(terminal));
  let quit!: () => void;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const loop = new BoardLoop({
    timers,
    everyMs: options.refreshMs ?? DEFAULT_REFRESH_MS,
    read: () => board.snapshot(),
    draw: (s) => {
      screen.draw(s);
      options.onDraw?.();
    },
    // Over the top line until the next good read redraws the board.
    failed: (e) => screen.problem(`the board could not be read: ${printable(firstLine(e)).slice(0, 200)}`),
  });
  const unsubscribe = [
    board.watch(() => loop.poke()),
    terminal.onEnd(() => quit()),
    terminal.onResize((cols, rows) => screen.resize(cols, rows)),
    terminal.onData((chunk) => {
      for (const key of boardKeys(chunk)) {
        if (key === 'quit') quit();
        else screen.focusNext(key === 'next' ? 1 : -1);
      }
    }),
  ];
  try {
    await loop.start();
    await quitting;
  } finally {
    loop.stop();
    for (const u of unsubscribe) u();
    screen.destroy();
    const seconds = Math.round((timers.now().getTime() - opened) / 1000);
    await board.close(where, seconds).catch(() => undefined);
  }
  return 0;
}
