import { promises as fs } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import path from 'node:path';
import {
  ValidationError,
  type LiveListFilter,
  type LiveRegistration,
  type LiveRegistry,
  type LiveSessionInfo,
  type LiveSubscription,
} from '../core/index.ts';

/**
 * How a command reaches the live sessions of a single node's running server: a Unix socket in the
 * data folder (0600, the folder 0700), so only the OS user who can already read the database and
 * the master key can use it. It carries registry messages only (list, get, terminate); the command
 * authorises and audits in its own core as the acting user before it sends one, exactly as it
 * would through a cluster's registry. In cluster mode commands use the cluster registry instead.
 */
export const controlSocketPath = (dataDir: string): string => path.join(dataDir, 'control.sock');

type Request =
  | { op: 'list'; filter: LiveListFilter }
  | { op: 'get'; id: string }
  | { op: 'terminate'; id: string; reason: string; by: string }
  | { op: 'terminateByRequest'; requestId: string; reason: string; by: string };

/** Serves `registry` on the socket until closed. A stale socket file (a killed server) is replaced. */
export async function serveControlSocket(
  file: string,
  registry: LiveRegistry,
): Promise<{ close(): Promise<void> }> {
  await fs.rm(file, { force: true });
  const server: Server = createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 64 * 1024) return socket.destroy();
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      const line = buffered.slice(0, nl);
      void answer(registry, line).then(
        (result) => socket.end(JSON.stringify({ result }) + '\n'),
        (e: Error) => socket.end(JSON.stringify({ error: e.message }) + '\n'),
      );
    });
  });
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  await fs.chmod(file, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        void fs.rm(file, { force: true });
      }),
  };
}

async function answer(registry: LiveRegistry, line: string): Promise<unknown> {
  const r = JSON.parse(line) as Request;
  switch (r.op) {
    case 'list':
      return registry.list(r.filter);
    case 'get':
      return (await registry.get(String(r.id))) ?? null;
    case 'terminate':
      return registry.terminate(String(r.id), String(r.reason), String(r.by));
    case 'terminateByRequest':
      return registry.terminateByRequest(String(r.requestId), String(r.reason), String(r.by));
    default:
      throw new Error('unknown request');
  }
}

/**
 * The running server's registry as a command sees it. No server running (no socket): no live
 * sessions. Sessions are registered, and watched, only inside the server.
 */
export class ControlSocketRegistry implements LiveRegistry {
  constructor(private readonly file: string) {}

  async #ask<T>(request: Request, none: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const socket = createConnection(this.file);
      let got = '';
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
      socket.on('data', (d: string) => (got += d));
      socket.on('error', (e: NodeJS.ErrnoException) =>
        e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? resolve(none) : reject(e),
      );
      socket.on('end', () => {
        try {
          const reply = JSON.parse(got) as { result?: T; error?: string };
          if (reply.error !== undefined) reject(new Error(`the running server answered: ${reply.error}`));
          else resolve(reply.result as T);
        } catch {
          reject(new Error('the running server gave no answer on its control socket'));
        }
      });
    });
  }

  list(filter: LiveListFilter = {}): Promise<LiveSessionInfo[]> {
    return this.#ask({ op: 'list', filter }, []);
  }

  async get(id: string): Promise<LiveSessionInfo | undefined> {
    return (await this.#ask<LiveSessionInfo | null>({ op: 'get', id }, null)) ?? undefined;
  }

  terminate(id: string, reason: string, by: string): Promise<boolean> {
    return this.#ask({ op: 'terminate', id, reason, by }, false);
  }

  terminateByRequest(requestId: string, reason: string, by: string): Promise<string[]> {
    return this.#ask({ op: 'terminateByRequest', requestId, reason, by }, []);
  }

  register(): Promise<LiveRegistration> {
    throw new ValidationError('sessions are registered only inside the running server');
  }

  async subscribe(): Promise<LiveSubscription | undefined> {
    throw new ValidationError('shadowing from a command is not available: use the console');
  }
}
