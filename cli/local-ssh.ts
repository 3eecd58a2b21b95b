import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configFileOf, layoutOf, loadConfigFile, UsageError } from '../core/index.ts';
import { ensureHostKey } from '../gateway/index.ts';
import { readRuntimeFile } from './runtime-file.ts';

/**
 * Runs the real OpenSSH client to the local node's front door with `sshUser` (the console's
 * `alice`, the wallboard's `alice:wallboard`): the same path, checks and audit as a remote
 * operator. The node's host key is pinned from the home folder, so a first connection never asks
 * to trust an unknown key. Resolves with ssh's exit status.
 */
export async function runLocalSsh(home: string, sshUser: string, portOption?: string): Promise<number> {
  const config = await loadConfigFile(configFileOf(home));
  const layout = layoutOf(home, config);
  // The node running on this home says where it listens (`server --ssh-port N`, or 0).
  const running = readRuntimeFile(home);
  const port = portOption !== undefined ? Number(portOption) : (running?.sshPort ?? config.server.ssh_port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--port: '${portOption}' is not a port`);
  const bound = running?.host ?? config.server.ssh_host;
  const host = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
  const key = await ensureHostKey(layout.hostKeyFile);
  const knownHosts = path.join(path.dirname(layout.hostKeyFile), 'console_known_hosts');
  await mkdir(path.dirname(knownHosts), { recursive: true });
  await writeFile(knownHosts, `[${host}]:${port} ${key.knownHostsKey}\n`, { mode: 0o600 });
  return new Promise<number>((resolve, reject) => {
    const child = spawn(
      'ssh',
      [
        '-t',
        '-p',
        String(port),
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        // NO_COLOR set on the host reaches the board or the console (the server honours it).
        ...(process.env.NO_COLOR ? ['-o', 'SendEnv=NO_COLOR'] : []),
        `${sshUser}@${host}`,
      ],
      { stdio: 'inherit' },
    );
    child.on('error', (e) => reject(new UsageError(`cannot run ssh: ${e.message}`)));
    child.on('exit', (c) => resolve(c ?? 1));
  });
}

/** A Custody user name as `--user` takes it (checked before it becomes part of an ssh argument). */
export function checkUserOption(user: string): void {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(user))
    throw new UsageError(`--user: '${user.slice(0, 40)}' is not a user name`);
}
