// Runs the real `custody server` in a child process and waits for its `ssh listening on` line.
import { spawn, type ChildProcess } from 'node:child_process';
import { REPOSITORY_ROOT } from '../../core/index.ts';
import { CUSTODY_BIN } from './cli.ts';

export interface RunningServer {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `command` is `server`, or `start` (what `npm start` runs: init, then the server and its banner). */
export async function startCustodyServer(
  home: string,
  extraArgs: string[] = [],
  command: 'server' | 'start' = 'server',
): Promise<RunningServer> {
  const env = { ...process.env };
  delete env.CUSTODY_HOME;
  const child = spawn(process.execPath, [CUSTODY_BIN, '--home', home, command, ...extraArgs], {
    cwd: REPOSITORY_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  const ready = command === 'start' ? /Stop with Ctrl-C/ : /ssh listening on/;
  while (!ready.test(out) && !gone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const m = /^ssh listening on [^\s:]+:(\d+)$/m.exec(out);
  if (!m) {
    child.kill('SIGKILL');
    throw new Error(`custody server did not start:\n${out}`);
  }
  return {
    child,
    port: Number(m[1]),
    output: () => out,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}
