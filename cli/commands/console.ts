import type { Command } from 'commander';
import { resolveHome } from '../../core/index.ts';
import { globalsOf } from '../context.ts';
import { checkUserOption, runLocalSsh } from '../local-ssh.ts';

const PORT_HELP =
  "SSH port of the running server (default: the running node's, from HOME/run/server.json, else [server] ssh_port)";

/**
 * `custody console [--user NAME]`: the operator console on this host, through the local node's
 * SSH front door with the real OpenSSH client (the same path, checks and audit as a remote
 * operator).
 */
export function registerConsole(program: Command): void {
  program
    .command('console')
    .description("open the operator console on the local node (runs ssh to this host's server)")
    .option('--user <name>', 'Custody user to log in as', 'admin')
    .option('--port <n>', PORT_HELP)
    .action(async (o: { user: string; port?: string }, cmd: Command) => {
      checkUserOption(o.user);
      process.exitCode = await runLocalSsh(resolveHome(globalsOf(cmd).home), o.user, o.port);
    });
}

/**
 * `custody wallboard [--user NAME]`: the read-only operations wallboard on this host, the same way
 * (`ssh USER:wallboard@host`): auditors and administrators only.
 */
export function registerWallboard(program: Command): void {
  program
    .command('wallboard')
    .description("open the operations wallboard on the local node (runs ssh to this host's server)")
    .option('--user <name>', 'Custody user (an auditor or administrator) to log in as', 'admin')
    .option('--port <n>', PORT_HELP)
    .action(async (o: { user: string; port?: string }, cmd: Command) => {
      checkUserOption(o.user);
      process.exitCode = await runLocalSsh(resolveHome(globalsOf(cmd).home), `${o.user}:wallboard`, o.port);
    });
}
