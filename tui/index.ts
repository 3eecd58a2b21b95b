// The operator console. The gateway hosts it through core's `StartConsole` contract; nothing here
// opens a socket or imports the gateway.
import type { ConsoleSession, ConsoleTerminal, StartConsole } from '../core/index.ts';
import {
  DEFAULT_CONSOLE_SETTINGS,
  realTimers,
  type ConsoleSettings,
  type ConsoleTimers,
} from './console-context.tsx';
import { importWithoutCi } from './ink-loader.ts';
import { ESC, TerminalStreams } from './terminal-streams.ts';
import { noColorRequested, themeFor } from './theme.ts';

export interface ConsoleOptions {
  timers?: ConsoleTimers;
  settings?: Partial<ConsoleSettings>;
  /** Called after every frame Ink writes (benchmarks and tests time redraws with it). */
  onRender?: () => void;
}

export function consoleStarter(options: ConsoleOptions = {}): StartConsole {
  return (session, terminal) => startConsole(session, terminal, options);
}

export async function startConsole(
  session: ConsoleSession,
  terminal: ConsoleTerminal,
  options: ConsoleOptions = {},
): Promise<number> {
  const [{ render }, React, { App }] = await importWithoutCi(() =>
    Promise.all([import('ink'), import('react'), import('./app.tsx')]),
  );
  const streams = new TerminalStreams(terminal);
  terminal.write(ESC.enterAltScreen + ESC.hideCursor);
  let quit!: () => void;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const stopEnd = terminal.onEnd(() => quit());
  const instance = render(
    React.createElement(App, {
      session,
      theme: themeFor(noColorRequested(terminal.noColor)),
      timers: options.timers ?? realTimers,
      settings: { ...DEFAULT_CONSOLE_SETTINGS, ...options.settings },
      aside: (fn) => streams.aside(fn),
      writeRaw: (d) => streams.writeRaw(d),
      onQuit: () => quit(),
    }),
    {
      stdout: streams.stdout as unknown as NodeJS.WriteStream,
      stdin: streams.stdin as unknown as NodeJS.ReadStream,
      stderr: streams.stdout as unknown as NodeJS.WriteStream,
      // Many consoles share one server process: never patch its global console or exit it.
      patchConsole: false,
      exitOnCtrlC: false,
      // Frames are drawn on state changes only; Ink's default 30 fps cap would hold a keystroke's
      // echo back up to 33 ms behind the previous frame.
      maxFps: 120,
      ...(options.onRender ? { onRender: () => options.onRender!() } : {}),
    },
  );
  try {
    await quitting;
  } finally {
    stopEnd();
    instance.unmount();
    instance.cleanup();
    streams.close();
    terminal.write(ESC.resetAttributes + ESC.leaveAltScreen + ESC.showCursor);
  }
  return 0;
}
