// Many one-hour terminal recordings made the way the gateway makes them — core's recording writer
// wrapped in the indexing recorder — on a manual clock, so an hour takes no time: an operator types
// a command every few minutes and the shell prints a few lines. One recording gets `needle` typed
// exactly 40 minutes in. Used by the search benchmark and by test/tui/recording-search.test.ts.
import type { Core, ManualTimers } from '../../core/index.ts';
import { openIndexedSession, typeCommand } from '../../test/support/indexed-session.ts';

export interface OneHourSessions {
  /** Recording ids, in the order made (the oldest first). */
  ids: string[];
  /** The recording with the needle, and its offset in seconds. */
  needleIn: string;
  needleAt: number;
}

const HOUR_MS = 60 * 60_000;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const TARGETS = ['web01/root', 'web02/root', 'db01/dba', 'app01/deploy', 'fw01/admin'];
const COMMANDS = [
  'uptime',
  'df -h /var',
  'tail -n 3 /var/log/syslog',
  'systemctl status nginx',
  'ls -la /etc/nginx',
  'free -m',
  'ps aux --sort=-%cpu',
  'journalctl -u ssh -n 3',
  'cat /etc/os-release',
  'ip addr show eth0',
  'who',
];

export async function makeOneHourSessions(
  core: Core,
  timers: ManualTimers,
  o: {
    count: number;
    needle: string;
    needleIndex: number;
    parallel?: number;
    /** A command every this many minutes (default 5; 40 must be a multiple of it). */
    everyMinutes?: number;
    /** Lines each command prints (default 3). */
    outputLines?: number;
  },
): Promise<OneHourSessions> {
  const ids: string[] = [];
  const STEP_MS = (o.everyMinutes ?? 5) * 60_000;
  const outputLines = o.outputLines ?? 3;
  const parallel = o.parallel ?? 25;
  for (let first = 0; first < o.count; first += parallel) {
    const group = Array.from({ length: Math.min(parallel, o.count - first) }, (_, k) => first + k);
    // A group of sessions runs side by side, as on a busy bastion, through the same hour.
    const recs = await Promise.all(
      group.map((n) =>
        openIndexedSession(core, timers, { user: USERS[n % USERS.length]!, target: TARGETS[n % TARGETS.length]! }),
      ),
    );
    for (const rec of recs) rec.output(Buffer.from('Last login: from 10.0.0.7\r\nuser@host:~$ '));
    for (let at = STEP_MS; at < HOUR_MS; at += STEP_MS) {
      timers.advance(STEP_MS);
      recs.forEach((rec, k) => {
        const n = group[k]!;
        const command =
          n === o.needleIndex && at === 40 * 60_000 ? o.needle : COMMANDS[(n + at / STEP_MS) % COMMANDS.length]!;
        // Distinct lines, as real output mostly is (a line still on the screen is not indexed twice).
        const minute = at / 60_000;
        const lines = Array.from(
          { length: outputLines },
          (_, i) => `${i ? `line ${i + 1}` : 'output'} of ${command.split(' ')[0]} on session ${n} at minute ${minute}`,
        );
        typeCommand(rec, command, lines);
      });
    }
    timers.advance(HOUR_MS - Math.ceil(HOUR_MS / STEP_MS - 1) * STEP_MS);
    await Promise.all(recs.map((rec) => rec.close()));
    ids.push(...recs.map((r) => r.id!));
  }
  return { ids, needleIn: ids[o.needleIndex]!, needleAt: 40 * 60 };
}
