// Linux/Unix reset over SSH (issue 6): either the account logs in and runs `passwd`, answering its
// prompts over a pty, or an administrator account runs `sudo chpasswd` with the password on stdin.
// Passwords never appear in a command line.
import ssh2 from 'ssh2';
import {
  fingerprintOf,
  resetError,
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';
import { verifySshLogin } from './ssh-verify.ts';

const { Client } = ssh2;

export interface SshResetOptions {
  /** Connection and overall time limits in ms (defaults 10 s and 30 s). */
  connectTimeoutMs?: number;
  timeoutMs?: number;
}

type Conn = InstanceType<typeof Client>;

/** Key type (the blob's first field, RFC 4253 §6.6) and its OpenSSH SHA256 fingerprint. */
function hostKeyOf(blob: Buffer): { type: string; fingerprint: string } {
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  return { type: blob.subarray(4, 4 + len).toString('latin1'), fingerprint: fingerprintOf(blob) };
}

function oneLineOf(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!;
}

function connect(target: ResetTarget, login: ResetLogin, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let done = false;
    let hostKeyRefusal: unknown;
    c.on('ready', () => {
      done = true;
      resolve(c);
    });
    c.on('error', (e: Error & { level?: string; code?: string }) => {
      if (done) return;
      done = true;
      c.end();
      if (hostKeyRefusal) return reject(resetError('refused', oneLineOf(hostKeyRefusal)));
      const where = `${target.resource} (${target.host}:${target.port ?? 22})`;
      if (e.level === 'client-authentication')
        reject(resetError('refused', `${where} refused the credential of '${login.account}'`));
      else reject(resetError('unreachable', `${where} is unreachable: ${e.code ?? e.message}`));
    });
    c.connect({
      host: target.host,
      port: target.port ?? 22,
      ...(target.hostKey
        ? {
            hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
              target.hostKey!(hostKeyOf(blob)).then(
                () => verify(true),
                (e: unknown) => {
                  hostKeyRefusal = e;
                  verify(false);
                },
              );
            },
          }
        : {}),
      username: login.account,
      ...(login.kind === 'private-key'
        ? { privateKey: login.secret.reveal() }
        : { password: login.secret.reveal() }),
      readyTimeout: timeoutMs,
      tryKeyboard: false,
    });
  });
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
    const c = await connect(target, login, this.opts.connectTimeoutMs ?? 10_000);
    try {
      if (login.self) await this.selfPasswd(c, account.current, newPassword, timeoutMs);
      else await this.sudoChpasswd(c, login, account.name, newPassword, timeoutMs);
    } finally {
      c.end();
    }
  }

  /** `passwd` as the account itself: current, new, retype. */
  private async selfPasswd(c: Conn, current: Secret, next: Secret, timeoutMs: number): Promise<void> {
    let sentCurrent = false;
    let newCount = 0;
    const r = await run(c, 'passwd', {
      pty: true,
      timeoutMs,
      answer: (text) => {
        if (!/:\s*$/.test(text)) return undefined;
        if (/(current|old).*password/i.test(text) && !sentCurrent) {
          sentCurrent = true;
          return current.reveal();
        }
        if (/(new|retype|again|re-enter).*password/i.test(text) && newCount < 2) {
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
