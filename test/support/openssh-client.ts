// Drives the REAL OpenSSH client (ssh, scp, sftp) against the gateway. Passwords and TOTP codes
// are answered through SSH_ASKPASS (forced), which gets the prompt text and prints the answer, so
// no pty or sshpass is needed and nothing secret is on a command line.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { interactiveSsh } from './interactive.ts';

export interface SshRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ClientIdentity {
  /** Answers "Password:" prompts. */
  password?: string;
  /** Called for "Verification code:" prompts. */
  totp?: () => string;
  /** A private key file for public-key login. */
  keyFile?: string;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-ssh-client-'));
let n = 0;

/** An askpass script that answers from files written just before each run. */
function askpass(id: ClientIdentity): string {
  const base = path.join(dir, `ask${++n}`);
  writeFileSync(`${base}.pw`, id.password ?? '', { mode: 0o600 });
  writeFileSync(`${base}.totp`, id.totp ? id.totp() : '', { mode: 0o600 });
  const script = `${base}.sh`;
  writeFileSync(
    script,
    `#!/bin/sh\ncase "$1" in *erification*) cat '${base}.totp' ;; *) cat '${base}.pw' ;; esac\n`,
    { mode: 0o700 },
  );
  chmodSync(script, 0o700);
  return script;
}

export function sshOptions(port: number, id: ClientIdentity): string[] {
  const opts = [
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=5',
    '-o',
    `PreferredAuthentications=${id.keyFile ? 'publickey,keyboard-interactive' : 'password,keyboard-interactive'}`,
    '-o',
    id.keyFile ? 'IdentitiesOnly=yes' : 'PubkeyAuthentication=no',
    '-o',
    'NumberOfPasswordPrompts=1',
  ];
  if (id.keyFile) opts.push('-i', id.keyFile);
  opts.push(port === 22 ? '-p22' : `-p${port}`);
  return opts;
}

/** The environment that makes the client answer its prompts from `id` (no tty needed). */
export function askpassEnv(id: ClientIdentity): NodeJS.ProcessEnv {
  return { ...process.env, SSH_ASKPASS: askpass(id), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
}

/** An interactive `ssh -tt -p PORT USER@127.0.0.1` session, stdin driven by the test. */
export function sshInteractive(
  port: number,
  user: string,
  id: ClientIdentity,
): ReturnType<typeof interactiveSsh> {
  return interactiveSsh([...sshOptions(port, id), `${user}@127.0.0.1`], askpassEnv(id));
}

export function runClient(
  cmd: 'ssh' | 'scp' | 'sftp',
  args: string[],
  id: ClientIdentity,
  opts: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<SshRun> {
  return new Promise((resolve) => {
    const env = askpassEnv(id);
    const child = execFile(
      `/usr/bin/${cmd}`,
      args,
      { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 255
          : 0;
        resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** `ssh -p PORT 'USER'@127.0.0.1 ARGS…` */
export function ssh(
  port: number,
  user: string,
  id: ClientIdentity,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<SshRun> {
  return runClient('ssh', [...sshOptions(port, id), `${user}@127.0.0.1`, ...args], id, opts);
}
