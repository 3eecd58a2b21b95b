import { Command, CommanderError } from 'commander';
import { UsageError } from '../core/index.ts';
import { registerAccess } from './commands/access.ts';
import { registerApiKey } from './commands/apikey.ts';
import { registerAdmin } from './commands/admin.ts';
import { registerCluster } from './commands/cluster.ts';
import { registerRecordings } from './commands/recordings.ts';
import { registerGroups } from './commands/groups.ts';
import { registerIdentity } from './commands/identity.ts';
import { registerGatewayAdmin } from './commands/gateway-admin.ts';
import { registerHostKey } from './commands/hostkey.ts';
import { registerLifecycle } from './commands/lifecycle.ts';
import { registerServer } from './commands/server.ts';
import { registerWeb } from './commands/web.ts';
import { registerVault } from './commands/vault.ts';
import { registerPersonal } from './commands/personal.ts';
import { registerSelfService } from './commands/self-service.ts';
import { registerReset } from './commands/reset.ts';
import { registerConsole, registerWallboard } from './commands/console.ts';
import { registerListener } from './commands/listener.ts';
import { registerSync } from './commands/sync.ts';
import { registerRotation } from './commands/rotation.ts';
import { registerVerify } from './commands/verify.ts';
import { registerResetSettings } from './commands/reset-settings.ts';
import { registerConfig } from './commands/config.ts';
import { AS_PASSWORD_ON_LEAF } from './context.ts';
import { formatError } from './output.ts';

/** The whole `custody` command tree (exported so a test can walk every command and option). */
export function buildProgram(): Command {
  const program = new Command('custody')
    .description('Custody — privileged access management bastion')
    .option('--home <dir>', 'home folder (default: $CUSTODY_HOME, else the repository)')
    .option('--json', 'print JSON')
    .option('--as <user>', 'act as this Custody user (needs --password-file)')
    .option('--password-file <file>', "with --as: the user's login password")
    .option('--totp-file <file>', 'with --as: the current TOTP code, for a user with TOTP enabled')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .showHelpAfterError(false);
  registerLifecycle(program);
  registerServer(program);
  registerWeb(program);
  registerCluster(program);
  registerGatewayAdmin(program);
  registerHostKey(program);
  registerIdentity(program);
  registerVault(program);
  registerPersonal(program);
  registerGroups(program);
  registerAdmin(program);
  registerRecordings(program);
  registerAccess(program);
  registerSelfService(program);
  registerReset(program);
  registerConsole(program);
  registerWallboard(program);
  registerListener(program);
  registerSync(program);
  registerVerify(program);
  registerRotation(program);
  registerResetSettings(program);
  registerConfig(program);
  registerApiKey(program);
  // Options are positional: before the sub-command they belong to the program. Every command
  // also takes the global ones after its own arguments, except that `--password-file` after a
  // command that has its own (account add, user add, …) is that command's; there the --as
  // password must come first: `custody --as alice --password-file a.pw account add …`.
  program.enablePositionalOptions();
  const inherit = (c: Command) => {
    c.exitOverride().configureOutput({ writeErr: () => undefined });
    if (c.commands.length === 0) {
      c.option('--home <dir>', 'home folder')
        .option('--json', 'print JSON')
        .option('--as <user>', 'act as this Custody user')
        .option('--totp-file <file>', 'with --as: the current TOTP code');
      if (!c.options.some((o) => o.long === '--password-file')) {
        c.option('--password-file <file>', "with --as: the user's login password");
        AS_PASSWORD_ON_LEAF.add(c);
      }
    }
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  // Commander's own `help CMD` passes only the first word on (`help audit list` showed the help
  // of `audit`): this one walks every word down to the command named.
  program.helpCommand(false);
  program
    .command('help [command...]')
    .description('display help for a command, nested ones included (custody help audit list)')
    .option('--home <dir>', 'home folder (ignored)')
    .option('--json', 'ignored')
    .action((words: string[]) => {
      let target = program;
      for (const [i, word] of words.entries()) {
        const next = target.commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!next) throw new UsageError(`unknown command '${words.slice(0, i + 1).join(' ')}'`);
        target = next;
      }
      process.stdout.write(target.helpInformation());
    });
  return program;
}

/**
 * A reader that went away (`custody audit list | head -1`) is not an error: the command stops
 * quietly with status 0 (not 141, so `set -o pipefail` scripts that only wanted the first lines
 * do not fail), instead of Node's unhandled `write EPIPE` and its stack trace.
 */
let pipeGuarded = false;
function quietOnBrokenPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

/** Runs one command line; returns the exit code. Errors are one line with a stable code. */
export async function main(argv: string[]): Promise<number> {
  quietOnBrokenPipe();
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      const message = e.message.replace(/^error: /, '').split('\n')[0]!;
      const f = formatError(new UsageError(message), json);
      process.stderr.write(f.text + '\n');
      return f.exitCode;
    }
    const f = formatError(e, json);
    process.stderr.write(f.text + '\n');
    return f.exitCode;
  }
}
