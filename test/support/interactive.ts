// Expect-style helpers for interactive sessions: wait until the accumulated output matches.
import { spawn, type ChildProcess } from 'node:child_process';
import ssh2 from 'ssh2';

export class Transcript {
  text = '';
  #waiters: { re: RegExp; resolve: () => void }[] = [];

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.re.test(this.text)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when the whole transcript so far matches `re`; rejects after `ms` with the tail. */
  waitFor(re: RegExp, ms = 10_000): Promise<void> {
    if (re.test(this.text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`timed out waiting for ${re} in: ${JSON.stringify(this.text.slice(-400))}`)),
        ms,
      );
      this.#waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

/** The real OpenSSH client with a forced pty, stdin driven by the test. */
export function interactiveSsh(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; out: Transcript; exited: Promise<number> } {
  const child = spawn('/usr/bin/ssh', ['-tt', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new Transcript();
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  child.stderr!.on('data', (c: Buffer) => out.push(c));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 255)));
  return { child, out, exited };
}

/** An ssh2 client shell (for the administrator's side of shadow tests). */
export async function ssh2Shell(
  port: number,
  username: string,
  password: string,
): Promise<{ write(s: string): void; out: Transcript; close(): void }> {
  const client = new ssh2.Client();
  const out = new Transcript();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username, password, readyTimeout: 10_000 });
  });
  const stream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
    client.shell({ term: 'xterm-256color', cols: 100, rows: 30 }, (err, s) =>
      err ? reject(err) : resolve(s),
    ),
  );
  stream.on('data', (c: Buffer) => out.push(c));
  stream.stderr.on('data', (c: Buffer) => out.push(c));
  return { write: (s) => stream.write(s), out, close: () => client.end() };
}
