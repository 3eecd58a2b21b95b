// Unix reset over Telnet (for hosts that offer no SSH): log in at the login and
// password prompts, then run `passwd` (self), `su ROOT -c 'passwd NAME'` or `sudo passwd NAME`
// (the resource's reset settings), answer its prompts, read the exit status, log out. Telnet has
// no host key: the credential goes to whatever answers at host:port, so use it where SSH is not
// available, ideally through a landing server on the target's own network.
import {
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';
import { openTelnet, promptLogin } from './line-session.ts';
import { promptsFor, type TelnetPromptConfig } from './prompts.ts';
import { whereOf } from './ssh-connect.ts';
import { passwdCommand, passwdDialogue } from './unix-passwd.ts';

export interface TelnetResetOptions {
  /** Per step (connect, each prompt) and for the change as a whole; defaults 10 s and 30 s. */
  stepTimeoutMs?: number;
  timeoutMs?: number;
  /** The node's [telnet] prompts (conf/custody.toml), the defaults for every resource. */
  prompts?: TelnetPromptConfig;
}

export class TelnetUnixResetConnector implements ResetConnector {
  /** Speaks over target.connect (landing-server routes). */
  readonly landingRoutes = true;

  constructor(private readonly opts: TelnetResetOptions = {}) {}

  async change(target: ResetTarget, login: ResetLogin, account: ResetAccount, next: Secret): Promise<void> {
    const step = this.opts.stepTimeoutMs ?? 10_000;
    const p = promptsFor(target, this.opts.prompts);
    const command = passwdCommand(login, account.name);
    const s = await openTelnet(target, step);
    try {
      await promptLogin(s, p, login.account, login.secret, { shell: p.shell }, step, whereOf(target, 23));
      await passwdDialogue(s, p, login, command, account.current, next, this.opts.timeoutMs ?? 30_000);
      s.sendLine('exit');
    } finally {
      s.close();
    }
  }

  /** In sync when the account's own Telnet login reaches a shell; refused / unreachable otherwise. */
  async verify(target: ResetTarget, account: string, secret: Secret): Promise<void> {
    const step = this.opts.stepTimeoutMs ?? 10_000;
    const p = promptsFor(target, this.opts.prompts);
    const s = await openTelnet(target, step);
    try {
      await promptLogin(s, p, account, secret, { shell: p.shell }, step, whereOf(target, 23));
      s.sendLine('exit');
    } finally {
      s.close();
    }
  }
}
