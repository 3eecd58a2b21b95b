// Records a terminal session through the gateway's own pair — core's recording writer wrapped in
// the indexing recorder — with a manual clock: what a target shows and what an operator types,
// at the times a script gives, without a network. For search tests and the search benchmark.
import {
  withSearchIndex,
  type Core,
  type Logger,
  type ManualTimers,
  type TerminalRecorder,
} from '../../core/index.ts';

let sessions = 0;

export const quietLogger: Logger = { log: () => undefined };

export interface SessionSpec {
  user: string;
  target: string;
  cols?: number;
  rows?: number;
}

/** Opens a recording the way the gateway does (writer + indexing recorder), at the clock's now. */
export async function openIndexedSession(
  core: Core,
  timers: ManualTimers,
  s: SessionSpec,
): Promise<TerminalRecorder> {
  const cols = s.cols ?? 80;
  const rows = s.rows ?? 24;
  const writer = await core.system.openRecording(
    {
      sessionId: `s-${++sessions}`,
      user: s.user,
      target: s.target,
      protocol: 'ssh',
      cols,
      rows,
      source: 'test',
      startedAt: timers.now(),
    },
    'best-effort',
  );
  return withSearchIndex(writer, {
    timers,
    logger: quietLogger,
    sink: core.system.searchIndexSink(),
    cols,
    rows,
  });
}

/**
 * An operator types `command` at a shell prompt and the target echoes it the way a shell does
 * (each key as it arrives), then prints `outputLines`.
 */
export function typeCommand(
  rec: TerminalRecorder,
  command: string,
  outputLines: readonly string[] = [],
): void {
  for (const ch of command) {
    rec.input(Buffer.from(ch));
    rec.output(Buffer.from(ch));
  }
  rec.input(Buffer.from('\r'));
  rec.output(Buffer.from(`\r\n${outputLines.map((l) => `${l}\r\n`).join('')}user@web01:~$ `));
}
