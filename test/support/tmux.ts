// Drives a real OpenSSH client inside tmux (a real terminal emulator with a pty) and reads the
// screen back with capture-pane: the operator's view, exactly.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { askpassEnv, sshOptions, type ClientIdentity } from './openssh-client.ts';

export function tmuxSkipReason(): string | null {
  return spawnSync('tmux', ['-V']).status === 0 ? null : 'skipped: tmux not installed';
}

export class TmuxSsh {
  readonly #socket = `custody-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #session = 'console';

  private constructor() {}

  /** `ssh -tt -p PORT USER@127.0.0.1` in a `cols`×`rows` tmux window. */
  static start(port: number, user: string, id: ClientIdentity, cols = 100, rows = 30): TmuxSsh {
    const t = new TmuxSsh();
    const env = askpassEnv(id);
    const pass = ['SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE', 'DISPLAY'].flatMap((k) => ['-e', `${k}=${env[k]}`]);
    t.#tmux([
      'new-session',
      '-d',
      '-s',
      t.#session,
      '-x',
      String(cols),
      '-y',
      String(rows),
      ...pass,
      '/usr/bin/ssh',
      '-tt',
      ...sshOptions(port, id),
      `${user}@127.0.0.1`,
    ]);
    // Keep the pane after ssh exits so the last screen can still be read.
    t.#tmux(['set-option', '-t', t.#session, 'remain-on-exit', 'on']);
    return t;
  }

  /** Any command in a tmux window, with the given environment variables. */
  static run(argv: string[], env: Record<string, string>, cols = 100, rows = 30): TmuxSsh {
    const t = new TmuxSsh();
    const pass = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    t.#tmux([
      'new-session',
      '-d',
      '-s',
      t.#session,
      '-x',
      String(cols),
      '-y',
      String(rows),
      ...pass,
      ...argv,
    ]);
    t.#tmux(['set-option', '-t', t.#session, 'remain-on-exit', 'on']);
    return t;
  }

  #tmux(args: string[]): string {
    // Bounded: a tmux server that stops answering must fail the test, not block the worker.
    return execFileSync('tmux', ['-L', this.#socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  screen(): string {
    return this.#tmux(['capture-pane', '-p', '-t', this.#session]);
  }

  /** tmux key names (Enter, Escape, Tab, BTab, Left, Right, Up, Down, C-]), one at a time. */
  async keys(...names: string[]): Promise<void> {
    for (const k of names) {
      this.#tmux(['send-keys', '-t', this.#session, k]);
      await new Promise((r) => setTimeout(r, 60));
    }
  }

  /** Literal text, one character at a time (as typed). */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      this.#tmux(['send-keys', '-t', this.#session, '-l', ch]);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async waitFor(re: RegExp, ms = 15_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (Date.now() > until) throw new Error(`timed out waiting for ${re}; the screen was:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the program in the window has exited (tmux keeps the dead pane to read). */
  async waitForExit(ms = 20_000): Promise<void> {
    const until = Date.now() + ms;
    while (!this.paneDead()) {
      if (Date.now() > until) throw new Error(`the program did not exit; the screen was:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  paneDead(): boolean {
    return this.#tmux(['display-message', '-p', '-t', this.#session, '#{pane_dead}']).trim() === '1';
  }

  kill(): void {
    try {
      this.#tmux(['kill-server']);
    } catch {
      // already gone
    }
  }
}
