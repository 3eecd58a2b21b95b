// Linux/Unix reset over SSH, three modes (the resource's reset settings, `mode`):
//   self — the account logs in and runs `passwd`, answering its prompts over a pty;
//   sudo — a login account runs `sudo chpasswd` with the sudo password and `name:new` on stdin;
//   su   — a login account opens a shell and runs `su ROOT -c 'passwd NAME'`, typing the root
//          account's password and the new one at their prompts (for hosts without sudo).
// Passwords never appear in a command line.
import {
  resetError,
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';
import { openSshShell } from './line-session.ts';
import { promptsFor, type Prompts, type TelnetPromptConfig } from './prompts.ts';
import { sshConnect, type Conn } from './ssh-connect.ts';
import { passwdCommand, passwdDialogue } from './unix-passwd.ts';
import { verifySshLogin } from './ssh-verify.ts';

export interface SshResetOptions {
  /** Connection and overall time limits in ms (defaults 10 s and 30 s). */
  connectTimeoutMs?: number;
  timeoutMs?: number;
  /** The node's [telnet] prompts (the shell prompt is shared with the su dialogue). */
  prompts?: TelnetPromptConfig;
}

function checkLine(what: string, value: string): void {
  if (/[\r\n]/.test(value) || (what === 'account' && value.includes(':')))
    throw resetError('failed', `the ${what} cannot be set with chpasswd (line break or ':')`);
}

/** Runs `command`, feeding stdin or answering prompts; resolves with the exit code and a clean last line. */
function run(
  c: Conn,
  command: string,
  o: { pty: boolean; stdin?: string; answer?: (text: string) => string | undefined; timeoutMs: number },
): Promise<{ code: number | null; last: string }> {
  return new Promise((resolve, reject) => {
    c.exec(command, o.pty ? { pty: { term: 'dumb', rows: 24, cols: 200 } } : {}, (err, stream) => {
      if (err) return reject(resetError('failed', `cannot run ${command.split(' ')[0]}: ${err.message}`));
      let pending = '';
      let last = '';
      const timer = setTimeout(() => {
        stream.close();
        reject(resetError('failed', `${command.split(' ')[0]} did not finish in time`));
      }, o.timeoutMs);
      const onData = (d: Buffer) => {
        const text = d.toString('utf8');
        pending += text;
        const lines = pending.split(/\r?\n/).filter((l) => l.trim());
        if (lines.length) last = lines[lines.length - 1]!.trim();
        if (o.answer) {
          const reply = o.answer(pending);
          if (reply !== undefined) {
            pending = '';
            stream.write(reply + '\n');
          }
        }
      };
      stream.on('data', onData);
      stream.stderr.on('data', onData);
      stream.on('close', (code: number | null) => {
        clearTimeout(timer);
        resolve({ code, last: last.slice(0, 200) });
      });
      if (o.stdin !== undefined) stream.end(o.stdin);
    });
  });
}

export class SshUnixResetConnector implements ResetConnector {
  /** Speaks over target.connect (landing-server routes). */
  readonly landingRoutes = true;

  constructor(private readonly opts: SshResetOptions = {}) {}

  verify = (t: ResetTarget, account: string, secret: Secret): Promise<void> =>
    verifySshLogin(t, account, secret, this.opts);

  async change(
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    newPassword: Secret,
  ): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const c = await sshConnect(target, login, this.opts.connectTimeoutMs ?? 10_000);
    try {
      const prompts = promptsFor(target, this.opts.prompts);
      if (login.self) await this.selfPasswd(c, prompts, account.current, newPassword, timeoutMs);
      else if (login.elevation === 'su')
        await this.suPasswd(c, target, login, account, newPassword, timeoutMs);
      else await this.sudoChpasswd(c, login, account.name, newPassword, timeoutMs);
    } finally {
      c.end();
    }
  }

  /** `su ROOT -c 'passwd NAME'` typed into a shell of the login account. */
  private async suPasswd(
    c: Conn,
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    next: Secret,
    timeoutMs: number,
  ): Promise<void> {
    const p = promptsFor(target, this.opts.prompts);
    const s = await openSshShell(c);
    try {
      const ready = await s.ex.expect({ shell: p.shell }, timeoutMs);
      if (ready.key !== 'shell') throw resetError('failed', `no shell prompt from '${login.account}'`);
      await passwdDialogue(s, p, login, passwdCommand(login, account.name), account.current, next, timeoutMs);
      s.sendLine('exit');
    } finally {
      s.close();
    }
  }

  /** `passwd` as the account itself: current, new, retype (the same prompts as over Telnet). */
  private async selfPasswd(
    c: Conn,
    p: Prompts,
    current: Secret,
    next: Secret,
    timeoutMs: number,
  ): Promise<void> {
    let sentCurrent = false;
    let newCount = 0;
    const r = await run(c, 'passwd', {
      pty: true,
      timeoutMs,
      answer: (text) => {
        if (p.current.test(text) && !sentCurrent) {
          sentCurrent = true;
          return current.reveal();
        }
        if (p.new.test(text) && newCount < 2) {
          newCount++;
          return next.reveal();
        }
        return undefined;
      },
    });
    if (r.code !== 0) throw resetError('failed', `passwd failed (exit ${r.code}): ${r.last}`);
  }

  /** `sudo chpasswd` as an administrator: the sudo password, then `account:new`, both on stdin. */
  private async sudoChpasswd(
    c: Conn,
    login: ResetLogin,
    name: string,
    next: Secret,
    timeoutMs: number,
  ): Promise<void> {
    checkLine('account', name);
    checkLine('password', next.reveal());
    const sudoPassword = login.kind === 'password' ? login.secret.reveal() : '';
    checkLine('password', sudoPassword);
    const r = await run(c, "sudo -k -S -p '' chpasswd", {
      pty: false,
      timeoutMs,
      stdin: `${sudoPassword}\n${name}:${next.reveal()}\n`,
    });
    if (r.code !== 0) {
      if (/incorrect password|not in the sudoers|may not run/i.test(r.last))
        throw resetError('refused', `sudo refused '${login.account}': ${r.last}`);
      throw resetError('failed', `sudo chpasswd failed (exit ${r.code}): ${r.last}`);
    }
  }
}
