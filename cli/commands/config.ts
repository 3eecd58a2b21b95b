import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, configFileOf, loadConfigFile, resolveHome } from '../../core/index.ts';
import { globalsOf } from '../context.ts';
import { Output } from '../output.ts';

/**
 * `custody config check [FILE]`: validates a configuration file against the schema without opening
 * anything else (no key, no database, no port), so a change can be checked before a restart. A
 * problem is the same one-line `E_CONFIG` error every command gives at start, naming the first
 * bad key's path (exit 1, as for every error that is not a usage error).
 */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('the configuration file (conf/custody.toml)');
  config
    .command('check [file]')
    .description('validate a configuration file and print its first problem with the key path')
    .action(async (file: string | undefined, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      // The file as the user spelt it, so the error names the path they typed.
      const target = file ?? configFileOf(resolveHome(g.home));
      // A file named on the command line is not the home's: 'run custody init' would not help.
      if (file !== undefined && !existsSync(file))
        throw new ConfigError(`${file}: no such file`, { source: file });
      await loadConfigFile(target);
      new Output(!!g.json).result({ file: target, valid: true }, (r) => `${r.file}: ok`);
    });
}
