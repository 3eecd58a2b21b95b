import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { configFileOf, layoutOf, loadConfigFile, resolveHome, UsageError } from '../../core/index.ts';
import { ensureHostKey } from '../../gateway/index.ts';
import { globalsOf } from '../context.ts';
import { readRuntimeFile } from '../runtime-file.ts';

/**
 * `custody console [--user NAME]`: the operator console on this host, through the local node's
 * SSH front door with the real OpenSSH client (the same path, checks and audit as a remote
 * operator). The node's host key is pinned from the home folder, so a first connection never
 * asks to trust an unknown key.
 */
export function registerConsole(program: Command): void {
  program
    .command('console')
    .description("open the operator console on the local node (runs ssh to this host's server)")
    .option('--user <name>', 'Custody user to log in as', 'admin')
    .option(
      '--port <n>',
      "SSH port of the running server (default: the running node's, from HOME/run/server.json, else [server] ssh_port)",
    )
    .action(async (o: { user: string; port?: string }, cmd: Command) => {
      const home = resolveHome(globalsOf(cmd).home);
      const config = await loadConfigFile(configFileOf(home));
      const layout = layoutOf(home, config);
      // The node running on this home says where it listens (`server --ssh-port N`, or 0).
      const running = readRuntimeFile(home);
      const port = o.port !== undefined ? Number(o.port) : (running?.sshPort ?? config.server.ssh_port);
      if (!Number.isInteger(port) || port < 1 || port > 65_535)
        throw new UsageError(`--port: '${o.port}' is not a port`);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.user))
        throw new UsageError(`--user: '${o.user.slice(0, 40)}' is not a user name`);
      const bound = running?.host ?? config.server.ssh_host;
      const host = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
      const key = await ensureHostKey(layout.hostKeyFile);
      const knownHosts = path.join(path.dirname(layout.hostKeyFile), 'console_known_hosts');
      await mkdir(path.dirname(knownHosts), { recursive: true });
      await writeFile(knownHosts, `[${host}]:${port} ${key.knownHostsKey}\n`, { mode: 0o600 });
      const code = await new Promise<number>((resolve, reject) => {
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
            `${o.user}@${host}`,
          ],
          { stdio: 'inherit' },
        );
        child.on('error', (e) => reject(new UsageError(`cannot run ssh: ${e.message}`)));
        child.on('exit', (c) => resolve(c ?? 1));
      });
      process.exitCode = code;
    });
}
