import type { Command } from 'commander';
import { RESET_PROMPTS, UsageError, type ResetSettings } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output } from '../output.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface Opts {
  mode?: string;
  login?: string;
  root?: string;
  enable?: string;
  transport?: string;
  writeMemory?: string;
  prompt?: string[];
  clear?: boolean;
}

function settingsFrom(o: Opts): ResetSettings {
  const prompts: Record<string, string> = {};
  for (const p of o.prompt ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--prompt takes NAME=REGEX (NAME one of ${RESET_PROMPTS.join(', ')})`);
    prompts[p.slice(0, i)] = p.slice(i + 1);
  }
  if (o.writeMemory !== undefined && !/^(on|off)$/.test(o.writeMemory))
    throw new UsageError('--write-memory takes on or off');
  return {
    ...(o.mode ? { mode: o.mode as ResetSettings['mode'] } : {}),
    ...(o.login ? { login: o.login } : {}),
    ...(o.root ? { root: o.root } : {}),
    ...(o.enable ? { enable: o.enable } : {}),
    ...(o.transport ? { transport: o.transport as ResetSettings['transport'] } : {}),
    ...(o.writeMemory ? { writeMemory: o.writeMemory === 'on' } : {}),
    ...(Object.keys(prompts).length ? { prompts } : {}),
  };
}

/**
 * `custody reset-settings RESOURCE [options]`: how the resource's passwords are reset
 * (mode, the login/root/enable accounts, transport, prompts, `write memory`). Without options it
 * shows them; with options it replaces them (what is not given goes back to its default); `--clear`
 * removes them all. Accounts are named, never their passwords.
 */
export function registerResetSettings(program: Command): void {
  program
    .command('reset-settings <resource>')
    .description('show or set how a resource is reset: mode, login/root/enable accounts, transport, prompts')
    .option('--mode <self|sudo|su>', 'self: the account runs passwd; sudo/su: --login elevates')
    .option('--login <account>', 'the account of this resource that logs in (sudo, su, network devices)')
    .option('--root <account>', 'su: the account whose password su asks for (default root)')
    .option('--enable <account>', 'network devices: the account holding the enable secret')
    .option('--transport <ssh|telnet>', 'default: the resource type’s protocol')
    .option('--write-memory <on|off>', 'network devices: write memory after the change (default on)')
    .option('--prompt <name=regex>', `prompt override (repeatable): ${RESET_PROMPTS.join(', ')}`, collect)
    .option('--clear', 'remove every setting (defaults again)')
    .action(async (resource: string, o: Opts, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      const given = settingsFrom(o);
      const change = o.clear || Object.keys(given).length > 0;
      const r = await withCore(opts, (me) =>
        change ? me.resetSettings.configure(resource, o.clear ? {} : given) : me.resetSettings.show(resource),
      );
      out.result({ resource, ...r }, (x) => [
        `${resource}: mode ${x.mode ?? (x.login ? 'sudo' : 'self')}${x.login ? `, login ${x.login}` : ''}${
          x.root ? `, root ${x.root}` : ''
        }${x.enable ? `, enable ${x.enable}` : ''}${x.transport ? `, transport ${x.transport}` : ''}${
          x.writeMemory === false ? ', no write memory' : ''
        }`,
        ...Object.entries(x.prompts ?? {}).map(([k, v]) => `prompt ${k}: ${v}`),
      ]);
    });
}
