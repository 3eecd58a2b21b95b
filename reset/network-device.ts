// Network devices, Cisco IOS style: log in over SSH or Telnet (the resource's reset settings,
// `transport`; default the type's protocol), `enable` with the enable secret when the login lands
// in user mode, `configure terminal`, `username NAME secret NEW`, `end`, and `write memory`
// (setting `writeMemory`, default on). Any `% …` line after a command (IOS's "% Invalid input",
// "% Error …") stops the change. The enable secret is the password of the
// account named by the `enable` setting; a login that lands in privileged mode needs none.
import {
  resetError,
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';
import { lastLine } from './expect.ts';
import { openSshShell, openTelnet, promptLogin, type LineSession } from './line-session.ts';
import { promptsFor, type Prompts, type TelnetPromptConfig } from './prompts.ts';
import { sshConnect, whereOf } from './ssh-connect.ts';

export interface NetworkDeviceOptions {
  /** Per prompt; default 10 s (`write memory` gets three times as long). */
  stepTimeoutMs?: number;
  connectTimeoutMs?: number;
  prompts?: TelnetPromptConfig;
}

const SAFE_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const DEVICE_ERROR = /^\s*%.*$/m;

const CTRL_V = String.fromCharCode(0x16);

/** IOS reads a secret to the end of the line and drops leading blanks. */
function checkSecret(secret: Secret): void {
  const v = secret.reveal();
  if (!v.length || v.length > 127 || /[\r\n\0]/.test(v) || v.includes(CTRL_V) || v !== v.trim())
    throw resetError('failed', `the new password cannot be typed on the device (line break or edge blanks)`);
}

/** '?' would open IOS's help in the middle of the line: Ctrl-V makes the next character literal. */
const typed = (v: string) => v.split('?').join(`${CTRL_V}?`);

type Mode = 'user' | 'enable';

export class NetworkDeviceResetConnector implements ResetConnector {
  /** Speaks over target.connect (landing-server routes). */
  readonly landingRoutes = true;

  constructor(private readonly opts: NetworkDeviceOptions = {}) {}

  private transport(target: ResetTarget): 'ssh' | 'telnet' {
    return target.settings?.transport ?? (target.protocol === 'telnet' ? 'telnet' : 'ssh');
  }

  /** Logged in and at the user (`>`) or privileged (`#`) prompt. */
  private async open(
    target: ResetTarget,
    who: { account: string; secret: Secret; kind: 'password' | 'private-key' },
    p: Prompts,
  ): Promise<{ s: LineSession; mode: Mode }> {
    const step = this.opts.stepTimeoutMs ?? 10_000;
    const ready = { config: p.config, enable: p.enable, user: p.user };
    if (this.transport(target) === 'telnet') {
      const s = await openTelnet(target, step);
      try {
        const key = await promptLogin(s, p, who.account, who.secret, ready, step, whereOf(target, 23));
        return { s, mode: key === 'user' ? 'user' : 'enable' };
      } catch (e) {
        s.close();
        throw e;
      }
    }
    const c = await sshConnect(target, who, this.opts.connectTimeoutMs ?? step);
    const s = await openSshShell(c);
    const o = await s.ex.expect(ready, step);
    if (o.key === 'timeout' || o.key === 'closed') {
      s.close();
      throw resetError('unreachable', `${whereOf(target, 22)} showed no prompt after login`);
    }
    return { s, mode: o.key === 'user' ? 'user' : 'enable' };
  }

  async change(
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    next: Secret,
  ): Promise<void | { warnings: string[] }> {
    if (!SAFE_NAME.test(account.name))
      throw resetError('failed', `the account name cannot be typed on the device`);
    checkSecret(next);
    const p = promptsFor(target, this.opts.prompts);
    const step = this.opts.stepTimeoutMs ?? 10_000;
    const secrets = [next, login.secret, account.current, ...(login.enable ? [login.enable] : [])];
    const { s, mode } = await this.open(target, login, p);
    let changeSent = false;
    /** Sends a line and waits for `prompt`; a `% …` line in between is the device refusing it. */
    const command = async (line: string, prompt: RegExp, timeoutMs = step): Promise<string> => {
      s.sendLine(line);
      const o = await s.ex.expect({ prompt }, timeoutMs);
      const verb = line.split(' ').slice(0, 2).join(' ');
      if (o.key !== 'prompt') {
        const unknown = changeSent ? ' (target state unknown: verify it)' : '';
        throw resetError(
          changeSent ? 'failed' : 'unreachable',
          `the device ${o.key === 'closed' ? 'closed the connection' : 'did not answer'} after '${verb}'${unknown}`,
        );
      }
      return o.before;
    };
    const deviceError = (text: string): string | undefined => {
      const m = DEVICE_ERROR.exec(text);
      return m ? lastLine(m[0], secrets) : undefined;
    };
    try {
      if (mode === 'user') {
        if (!login.enable)
          throw resetError(
            'failed',
            `'${login.account}' lands in user mode and the resource names no enable account`,
          );
        s.sendLine('enable');
        const o = await s.ex.expect({ password: p.password, enable: p.enable }, step);
        if (o.key === 'password') {
          s.sendLine(typed(login.enable.reveal()));
          const r = await s.ex.expect(
            { enable: p.enable, again: p.password, user: p.user, error: DEVICE_ERROR },
            step,
          );
          if (r.key !== 'enable') throw resetError('refused', `the device refused the enable secret`);
        } else if (o.key !== 'enable') throw resetError('unreachable', `the device did not answer 'enable'`);
      }
      const conf = await command('configure terminal', p.config);
      if (deviceError(conf)) throw resetError('failed', `configure terminal: ${deviceError(conf)}`);
      changeSent = true;
      const set = await command(`username ${account.name} secret ${typed(next.reveal())}`, p.config);
      const refused = deviceError(set);
      if (refused) {
        await command('end', p.enable).catch(() => undefined);
        // Nothing changed: the device refused the line.
        throw resetError('failed', `username … secret: ${refused}`);
      }
      await command('end', p.enable);
      const warnings: string[] = [];
      if (target.settings?.writeMemory !== false) {
        const saved = await command('write memory', p.enable, step * 3).catch((e: Error) => `% ${e.message}`);
        const err = deviceError(saved);
        // The running configuration has the new secret: the change stands, the vault must take it.
        if (err)
          warnings.push(`write memory failed (${err}): the change is not in the startup configuration`);
      }
      s.sendLine('exit');
      return warnings.length ? { warnings } : undefined;
    } finally {
      s.close();
    }
  }

  /** In sync when the account logs in and reaches a user or privileged prompt. */
  async verify(target: ResetTarget, account: string, secret: Secret): Promise<void> {
    const p = promptsFor(target, this.opts.prompts);
    const { s } = await this.open(target, { account, secret, kind: 'password' }, p);
    s.sendLine('exit');
    s.close();
  }
}
