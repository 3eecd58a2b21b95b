// A REAL, private, throw-away MariaDB server for tests.
//
// Never touches the distro-managed server: `mariadb-install-db` initialises a fresh temp datadir
// (root authenticates by password, which is empty: `--auth-root-authentication-method=normal`),
// then `mariadbd --no-defaults` runs on a free 127.0.0.1 port with its socket, pid file and error
// log in that directory. The process is tracked by the test run's ledger (netns.ts), so a crashed
// run does not leave it behind; stop() kills it and removes the directory.
import { execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { spawnTracked, stopTracked } from './netns.ts';
import { freePort } from './sshd.ts';

export const MARIADB_SKIP_REASON = 'skipped: mariadb-server not installed';

const HOST = '127.0.0.1';

export interface MariaDbInstance {
  host: '127.0.0.1';
  port: number;
  /** Temp directory holding the datadir, the socket and the error log (removed by stop()). */
  dir: string;
  /** Runs statements as root over the private socket (setup and inspection only). */
  root<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
  /** Kills the server and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

function firstExecutable(candidates: string[]): string | null {
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

const serverBin = () => firstExecutable(['/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
const installBin = () => firstExecutable(['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db']);

export function mariadbAvailable(): boolean {
  return serverBin() !== null && installBin() !== null;
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} failed: ${err.message}\n${stdout}${stderr}`.trim())) : resolve(),
    );
  });
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
}

/** Connects as root over the socket until the server answers (or the deadline passes). */
async function waitReady(socketPath: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('mariadbd exited');
    try {
      const c = await mysql.createConnection({ socketPath, user: 'root' });
      await c.end();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a private MariaDB, or returns null when it is not installed (callers skip by name). */
export async function startMariaDb(): Promise<MariaDbInstance | null> {
  const server = serverBin();
  const install = installBin();
  if (!server || !install) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-mariadb-'));
  const datadir = path.join(dir, 'data');
  const socketPath = path.join(dir, 'mysqld.sock');
  const errLog = path.join(dir, 'error.log');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  let child: ChildProcess | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // The data is thrown away, so a kill is as good as a clean shutdown, and faster.
      if (child) await stopTracked(child);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    await run(
      install,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...asRoot,
      ],
      dir,
    );
    let port = 0;
    // The port is free when picked but may be taken before mariadbd binds it: retry on a new one.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      child = spawnTracked(undefined, server, [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socketPath}`,
        `--port=${port}`,
        `--bind-address=${HOST}`,
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${errLog}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
        ...asRoot,
      ]);
      try {
        await waitReady(socketPath, child, 30_000);
        break;
      } catch (e) {
        await stopTracked(child);
        child = null;
        if (attempt >= 3)
          throw new Error(`${(e as Error).message}\n--- error.log ---\n${await tail(errLog)}`);
      }
    }
    const root = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
      const c = await mysql.createConnection({ socketPath, user: 'root' });
      try {
        const [rows] = await c.query(sql, params);
        return rows as T;
      } finally {
        await c.end();
      }
    };
    return { host: HOST, port, dir, root, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
