// A REAL, private, throw-away PostgreSQL server for tests.
//
// Never touches the distro-managed cluster (pg_ctlcluster / systemd): it runs initdb into a fresh
// temp directory, starts `postgres` on a free 127.0.0.1 port with its socket in that directory,
// and removes everything on stop(). PostgreSQL refuses to run as root, so when the tests run as
// root (CI) every server-side binary runs as the `postgres` OS user through `runuser`.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const POSTGRES_SKIP_REASON = 'skipped: postgresql not installed';

export interface PgInstance {
  host: '127.0.0.1';
  port: number;
  /** Superuser, trust auth: no password. */
  user: 'custody';
  database: 'custody_test';
  /** postgres://custody@127.0.0.1:PORT/custody_test */
  url: string;
  /** Temp directory holding the cluster, its socket and its log (removed by stop()). */
  dir: string;
  /** Creates another fresh database on this server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server, keeping its data: the database has gone away (until `resume`). */
  halt(): Promise<void>;
  /** Starts the halted server again on the same port, with the same data. */
  resume(): Promise<void>;
  /** Immediate shutdown and removal of the temp directory; safe to call more than once. */
  stop(): Promise<void>;
}

const USER = 'custody';
const DATABASE = 'custody_test';
const HOST = '127.0.0.1';
const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

interface OsUser {
  uid: number;
  gid: number;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function hasBinaries(dir: string): boolean {
  return SERVER_BINARIES.every((bin) => {
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Newest server bin directory: $CUSTODY_PG_BINDIR, Debian's /usr/lib/postgresql/<ver>/bin, then PATH. */
export function findPostgresBinDir(): string | null {
  const override = process.env.CUSTODY_PG_BINDIR;
  if (override) return hasBinaries(override) ? override : null;
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // not a Debian-style install
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (hasBinaries(dir)) return dir;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && hasBinaries(dir)) return dir;
  }
  return null;
}

function postgresOsUser(): OsUser | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === 'postgres' && f[2] && f[3]) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // fall through
  }
  return null;
}

function runuserPath(): string | null {
  for (const p of ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser', '/bin/runuser']) {
    if (existsSync(p)) return p;
  }
  return null;
}

export function postgresAvailable(): boolean {
  if (!findPostgresBinDir()) return false;
  if (isRoot()) return postgresOsUser() !== null && runuserPath() !== null;
  return true;
}

/** As root, the temp dir's ancestors must be traversable by the `postgres` user. */
function tempRoot(): string {
  const tmp = os.tmpdir();
  if (!isRoot()) return tmp;
  for (let d = path.resolve(tmp); ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return '/tmp';
    } catch {
      return '/tmp';
    }
    if (d === path.dirname(d)) return tmp;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** PG* variables of the caller's shell must not steer the private server. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  return env;
}

/** argv to run a server binary, through runuser when we are root. */
function command(binDir: string, bin: string, args: string[]): [string, string[]] {
  const exe = path.join(binDir, bin);
  if (!isRoot()) return [exe, args];
  return [runuserPath() ?? 'runuser', ['-u', 'postgres', '--', exe, ...args]];
}

function run(binDir: string, bin: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  const [file, argv] = command(binDir, bin, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd, env: cleanEnv(), timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

async function logTail(logFile: string): Promise<string> {
  try {
    return (await readFile(logFile, 'utf8')).split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function assertDbName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name: ${name}`);
}

// Watches this process; if it dies without stop() (SIGKILL, crash), it shuts the server down
// (SIGQUIT = immediate) and removes the temp dir. It exits by itself once the dir is gone.
const WATCHDOG = `
const fs = require('node:fs');
const [ppid, pidFile, base] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const tick = setInterval(() => {
  if (!fs.existsSync(base)) process.exit(0);
  if (alive(Number(ppid))) return;
  clearInterval(tick);
  let pid = 0;
  try { pid = Number(fs.readFileSync(pidFile, 'utf8').split('\\n')[0]); } catch {}
  if (pid > 0) { try { process.kill(pid, 'SIGQUIT'); } catch {} }
  const deadline = Date.now() + 10000;
  const wait = setInterval(() => {
    if (pid > 0 && alive(pid) && Date.now() < deadline) return;
    clearInterval(wait);
    try { fs.rmSync(base, { recursive: true, force: true }); } catch {}
    process.exit(0);
  }, 100);
}, 500);
`;

/**
 * Starts a private PostgreSQL server with database `custody_test`, or returns null when the
 * PostgreSQL server binaries are not installed (callers skip by name with POSTGRES_SKIP_REASON).
 */
export async function startPostgres(): Promise<PgInstance | null> {
  const binDir = findPostgresBinDir();
  if (!binDir || !postgresAvailable()) return null;

  const base = await mkdtemp(path.join(tempRoot(), 'custody-pg-'));
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'postgres.log');
  await mkdir(dataDir, { mode: 0o700 });
  if (isRoot()) {
    const owner = postgresOsUser();
    if (!owner) throw new Error('no postgres OS user');
    await chown(base, owner.uid, owner.gid);
    await chown(dataDir, owner.uid, owner.gid);
  }

  let stopped = false;
  let started = false;
  let stopping: Promise<void> | null = null;

  const watchdog = spawn(
    process.execPath,
    ['-e', WATCHDOG, String(process.pid), path.join(dataDir, 'postmaster.pid'), base],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();

  // Synchronous fallback for a test that forgot to stop(): the 'exit' event allows no async work.
  const onExit = (): void => {
    if (stopped) return;
    stopped = true;
    if (started) {
      try {
        const [file, argv] = command(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
        execFileSync(file, argv, { cwd: '/', env: cleanEnv(), stdio: 'ignore', timeout: 10_000 });
      } catch {
        // already gone
      }
    }
    try {
      rmSync(base, { recursive: true, force: true });
    } catch {
      // best effort
    }
    try {
      watchdog.kill();
    } catch {
      // best effort
    }
  };
  process.on('exit', onExit);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', onExit);
      if (stopped) return;
      stopped = true;
      if (started) {
        try {
          await run(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], base, 30_000);
        } catch {
          // already stopped
        }
      }
      await rm(base, { recursive: true, force: true });
      watchdog.kill();
    })();
    return stopping;
  };

  try {
    await run(
      binDir,
      'initdb',
      [
        '-D',
        dataDir,
        '--auth=trust',
        '-U',
        USER,
        '--encoding=UTF8',
        '--no-locale',
        '--no-sync',
        '--no-instructions',
      ],
      base,
    );

    // The port is free when picked but may be taken before postgres binds it: retry on a new one.
    let port = 0;
    let opts = '';
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      opts = [
        `-p ${port}`,
        `-k ${shellQuote(base)}`,
        `-c listen_addresses=${HOST}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        await run(
          binDir,
          'pg_ctl',
          ['-D', dataDir, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start'],
          base,
          90_000,
        );
        started = true;
        break;
      } catch (err) {
        // pg_ctl may have left a half-started postmaster behind.
        await run(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], base).catch(() => '');
        if (attempt >= 3)
          throw new Error(`${(err as Error).message}\n--- postgres.log ---\n${await logTail(logFile)}`);
      }
    }

    const url = (db: string): string => `postgres://${USER}@${HOST}:${port}/${db}`;
    const createDatabase = async (name: string): Promise<string> => {
      assertDbName(name);
      if (stopped) throw new Error('postgres server already stopped');
      const client = new pg.Client({ host: HOST, port, user: USER, database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    };

    await createDatabase(DATABASE);
    return {
      host: HOST,
      port,
      user: USER,
      database: DATABASE,
      url: url(DATABASE),
      dir: base,
      createDatabase,
      halt: async () => {
        await run(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop'], base, 30_000);
      },
      resume: async () => {
        await run(
          binDir,
          'pg_ctl',
          ['-D', dataDir, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start'],
          base,
          90_000,
        );
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
