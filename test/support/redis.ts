// A REAL, private, throw-away redis-server for tests.
//
// Never touches a system Redis: it runs /usr/bin/redis-server on a free 127.0.0.1 port with no
// persistence (no RDB, no AOF) and its working directory in a fresh temp folder, removed on stop().
// `restart()` stops it and starts it again on the SAME port, empty, as a crashed Redis comes back:
// clients see the connection drop and must resynchronise.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REDIS_SKIP_REASON = 'skipped: redis-server not installed';
const BINARY = process.env.CUSTODY_REDIS_SERVER ?? '/usr/bin/redis-server';
const HOST = '127.0.0.1';

export interface RedisInstance {
  host: '127.0.0.1';
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Stops the server (SIGKILL: nothing saved, as a crash) and starts an empty one on the same port. */
  restart(): Promise<void>;
  /** Stops the server without starting it again (SIGKILL). */
  kill(): Promise<void>;
  /** Starts it again after kill(), on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its folder; safe to call more than once. */
  stop(): Promise<void>;
}

export function redisAvailable(): boolean {
  return existsSync(BINARY);
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

/** Resolves once the server answers PING with PONG on its port (the ready signal). */
async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let got = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) {
        socket.destroy();
        resolve(got.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    // A connection that never answers (or closes without a word) is "not yet", not a hang.
    socket.on('close', () => resolve(false));
    socket.setTimeout(1_000, () => socket.destroy());
  });
}

/** Starts a private redis-server, or null when the binary is missing (callers skip by name). */
export async function startRedis(): Promise<RedisInstance | null> {
  if (!redisAvailable()) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-redis-'));
  let port = await freePort();
  let child: ChildProcess | null = null;
  let stopped = false;
  let log = '';

  const launch = async (): Promise<void> => {
    const args = [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ];
    const c = spawn(BINARY, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    c.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    let exited = false;
    c.on('exit', () => (exited = true));
    // Readiness is the server answering, checked until it does or the process exits.
    for (let i = 0; i < 200; i++) {
      if (exited) throw new Error(`redis-server exited at start:\n${log}`);
      if (await answers(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not answer on ${port}:\n${log}`);
  };

  const kill = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  const onExit = (): void => {
    try {
      child?.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);

  // The port is free when picked but may be taken before redis binds it: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (e) {
      await kill();
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
      port = await freePort();
    }
  }

  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    kill,
    start: launch,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
