// Telnet automatic login by prompt matching: types the username and password at their prompts
// and decides success (shell prompt) or failure. Used by the telnet connector (telnet.ts), which
// withholds output until the login is over and releases what this returns.
import type { Credential } from '../../core/index.ts';
import { loginPrompts, type LoginPrompts } from '../../protocols/prompts.ts';
import { DialError } from './failures.ts';

/** The prompts the automaton watches for (protocols/prompts.ts, shared with the reset room). */
export type TelnetPrompts = LoginPrompts;

export const DEFAULT_TELNET_PROMPTS: Readonly<TelnetPrompts> = Object.freeze(loginPrompts());

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

type LoginState = 'login' | 'password' | 'verify' | 'done';

export interface LoginOutcome {
  /** What the operator may see: output since the password was typed, password removed. */
  released: Buffer;
}

/**
 * The login automaton: watches (withheld) output, types the username and the password at their
 * prompts, and decides success (shell prompt) or failure.
 */
export class AutoLogin {
  state: LoginState = 'login';
  #text = '';
  #sincePassword: Buffer[] = [];
  #passwordSent = false;
  #settle: NodeJS.Timeout | undefined;
  #lastLine = '';

  constructor(
    private readonly prompts: TelnetPrompts,
    private readonly credential: Credential,
    private readonly type: (text: string) => void,
    private readonly settleMs: number,
    private readonly finish: (r: LoginOutcome | DialError) => void,
  ) {}

  /** A line of what the target said before any password was typed, for error messages. */
  get lastLine(): string {
    return this.#passwordSent ? '' : this.#lastLine;
  }

  feed(data: Buffer): void {
    if (this.state === 'done') return;
    if (this.#passwordSent) this.#sincePassword.push(data);
    const text = data.toString('latin1').replace(ANSI, '');
    this.#text = (this.#text + text).slice(-4096);
    const lines = this.#text.split(/[\r\n]+/).filter((l) => l.trim());
    this.#lastLine = lines[lines.length - 1] ?? '';
    if (this.#passwordSent && this.prompts.failure.test(this.#text)) return this.#fail();
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => this.#evaluate(), this.settleMs);
  }

  stop(): void {
    clearTimeout(this.#settle);
    this.state = 'done';
  }

  #evaluate(): void {
    if (this.state === 'done') return;
    const t = this.#text;
    const p = this.prompts;
    switch (this.state) {
      case 'login':
        if (p.password.test(t)) return this.#typePassword();
        if (p.login.test(t)) {
          this.#text = '';
          this.state = 'password';
          this.type(this.credential.username);
        }
        return;
      case 'password':
        if (p.password.test(t)) return this.#typePassword();
        if (p.login.test(t)) return this.#fail();
        return;
      case 'verify':
        if (p.login.test(t) || p.password.test(t)) return this.#fail();
        if (p.shell.test(t)) {
          this.stop();
          this.finish({
            released: scrub(Buffer.concat(this.#sincePassword), this.credential.secret.revealBytes()),
          });
        }
        return;
    }
  }

  #typePassword(): void {
    this.#text = '';
    this.state = 'verify';
    this.#passwordSent = true;
    this.type(this.credential.secret.reveal());
  }

  #fail(): void {
    this.stop();
    this.finish(new DialError('auth', 'refused the stored credential'));
  }
}

/** Removes every occurrence of `secret` from `data` (defence in depth: login never echoes it). */
function scrub(data: Buffer, secret: Buffer): Buffer {
  if (secret.length === 0) return data;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = data.indexOf(secret); i !== -1; i = data.indexOf(secret, from)) {
    parts.push(data.subarray(from, i));
    from = i + secret.length;
  }
  parts.push(data.subarray(from));
  secret.fill(0);
  return Buffer.concat(parts);
}
