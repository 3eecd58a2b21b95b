// REAL Telnet targets for tests: `socat TCP-LISTEN:PORT,bind=ADDR,reuseaddr,fork EXEC:TELNETD`,
// on 127.0.0.1 or inside a test network namespace. telnetd runs the real /bin/login, so logins
// are real Linux users (see sshd.ts createTestUser) with real `login:` / `Password:` prompts.
import { accessSync, constants } from 'node:fs';
import { spawnTracked, stopTracked } from './netns.ts';
import { freePort, waitForDaemon } from './sshd.ts';

/** Debian's inetutils-telnetd installs /usr/sbin/telnetd; netkit's telnetd used /usr/sbin/in.telnetd. */
const TELNETD_CANDIDATES = ['/usr/sbin/telnetd', '/usr/sbin/in.telnetd', '/usr/libexec/telnetd'];
const SOCAT_CANDIDATES = ['/usr/bin/socat', '/bin/socat'];

export const TELNETD_SKIP_REASON = 'skipped: telnetd not installed';
export const SOCAT_SKIP_REASON = 'skipped: socat not installed';

function firstExecutable(paths: string[]): string | null {
  for (const p of paths) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

export function findTelnetd(): string | null {
  return firstExecutable(TELNETD_CANDIDATES);
}

/** Null when telnetd tests can run here; otherwise the skip reason. */
export function telnetdSkipReason(): string | null {
  if (!findTelnetd()) return TELNETD_SKIP_REASON;
  if (!firstExecutable(SOCAT_CANDIDATES)) return SOCAT_SKIP_REASON;
  if (process.getuid?.() !== 0) return 'skipped: telnetd tests need root (real /bin/login)';
  return null;
}

/** Null when a landing namespace can run the Debian `telnet` client (for the no-forwarding fallback). */
export function telnetClientSkipReason(): string | null {
  return firstExecutable(['/usr/bin/telnet', '/bin/telnet']) ? null : 'skipped: telnet client not installed';
}

export interface TelnetdOptions {
  /** Namespace to run in; default: the root namespace on 127.0.0.1. */
  netns?: string;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default: 23 inside a namespace, a free port on 127.0.0.1. */
  port?: number;
}

export interface TelnetdInstance {
  readonly host: string;
  readonly port: number;
  readonly netns?: string;
  readonly pid: number;
  log(): string;
  /** Kills socat and every telnetd/login/shell it forked. Idempotent. */
  stop(): Promise<void>;
}

export async function startTelnetd(opts: TelnetdOptions = {}): Promise<TelnetdInstance> {
  const reason = telnetdSkipReason();
  if (reason) throw new Error(reason);
  const telnetd = findTelnetd()!;
  const socat = firstExecutable(SOCAT_CANDIDATES)!;
  const host = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 23 : await freePort());
  const child = spawnTracked(opts.netns, socat, [
    '-d',
    '-d',
    `TCP-LISTEN:${port},bind=${host},reuseaddr,fork`,
    `EXEC:${telnetd}`,
  ]);
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString('utf8')).slice(-65536);
  });
  child.stdout?.resume();
  let ready = false;
  child.stderr?.on('data', () => {
    ready ||= /listening on/.test(log);
  });
  await waitForDaemon(
    child,
    () => ready,
    () => log,
    10_000,
  ).catch(async (e: unknown) => {
    await stopTracked(child);
    throw e;
  });
  let stopped = false;
  return {
    host,
    port,
    netns: opts.netns,
    pid: child.pid!,
    log: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopTracked(child);
    },
  };
}
