import type { Command } from 'commander';
import { UsageError, type ChannelSettings, type ChannelView, type PushResult } from '../../core/index.ts';
import { globalsOf, readPasswordFile, withCore } from '../context.ts';
import { Output } from '../output.ts';

function onOff(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v !== 'on' && v !== 'off') throw new UsageError(`--${name} takes on or off`);
  return v === 'on';
}

const channelLines = (c: ChannelView): string[] => [
  `channel ${c.name}: publishing ${c.publishing ? 'on' : 'off'}, policy ${c.enforcePolicy ? 'enforced' : 'not enforced'}, default password ${c.hasDefaultPassword ? 'set' : 'none'}`,
  ...c.accounts.map((a) => `  ${a}`),
  ...(c.hiddenAccounts ? [`  and ${c.hiddenAccounts} account(s) you cannot see`] : []),
];

const pushLines = (rs: PushResult[]): string[] =>
  rs.length === 0
    ? ['no other linked account']
    : rs.map((r) =>
        r.ok
          ? `  ${r.account}: pushed`
          : `  ${r.account}: FAILED (${r.reason})${r.message ? `: ${r.message}` : ''}`,
      );

/**
 * Password sync channels (accounts on several resources that share one password):
 * `sync add|link|set|publish|list`. `sync publish` stands in
 * for the target-side agent: it reports a password changed on a target.
 */
export function registerSync(program: Command): void {
  const s = program.command('sync').description('password sync channels: linked accounts share one password');

  async function settings(o: {
    publishing?: string;
    enforcePolicy?: string;
    defaultPasswordFile?: string;
    noDefaultPassword?: boolean;
  }): Promise<ChannelSettings> {
    const publishing = onOff('publishing', o.publishing);
    const enforcePolicy = onOff('enforce-policy', o.enforcePolicy);
    return {
      ...(publishing !== undefined ? { publishing } : {}),
      ...(enforcePolicy !== undefined ? { enforcePolicy } : {}),
      ...(o.defaultPasswordFile ? { defaultPassword: await readPasswordFile(o.defaultPasswordFile) } : {}),
    };
  }

  s.command('add <channel>')
    .description('create a channel (publishing on and policy enforced unless told otherwise)')
    .option('--publishing <on|off>', 'accept passwords published from targets')
    .option('--enforce-policy <on|off>', 'check published passwords against the policy')
    .option('--default-password-file <file>', 'password for accounts created without one')
    .action(async (channel: string, o: Record<string, string>, cmd: Command) => {
      const opts = globalsOf(cmd);
      const st = await settings(o);
      const v = await withCore(opts, (me) => me.sync.addChannel(channel, st));
      new Output(!!opts.json).result(v, channelLines);
    });

  s.command('set <channel>')
    .description("change a channel's switches")
    .option('--publishing <on|off>', 'accept passwords published from targets')
    .option('--enforce-policy <on|off>', 'check published passwords against the policy')
    .option('--default-password-file <file>', 'password for accounts created without one')
    .option('--no-default-password', 'clear the default password')
    .action(async (channel: string, o: Record<string, string | boolean>, cmd: Command) => {
      const opts = globalsOf(cmd);
      const st = await settings(o as Record<string, string>);
      if (o.defaultPassword === false) st.defaultPassword = null;
      const v = await withCore(opts, (me) => me.sync.set(channel, st));
      new Output(!!opts.json).result(v, channelLines);
    });

  s.command('link <channel> <account>')
    .description('link RESOURCE/ACCOUNT to the channel')
    .action(async (channel: string, account: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const v = await withCore(opts, (me) => me.sync.link(channel, account));
      new Output(!!opts.json).result(v, channelLines);
    });

  s.command('publish <channel> <account>')
    .description('a password changed on the target of RESOURCE/ACCOUNT: store it and push it to the others')
    .option('--password-file <file>', 'the new password (default: the channel default, for a new account)')
    .action(async (channel: string, account: string, o: { passwordFile?: string }, cmd: Command) => {
      const opts = globalsOf(cmd);
      const password = o.passwordFile ? await readPasswordFile(o.passwordFile) : undefined;
      const rs = await withCore(opts, (me) => me.sync.publish(channel, account, password));
      new Output(!!opts.json).result({ account, stored: true, pushed: rs }, (x) => [
        `${account}: stored in the vault`,
        ...pushLines(x.pushed),
      ]);
      if (rs.some((r) => !r.ok)) process.exitCode = 1;
    });

  s.command('list')
    .description('list channels, their switches and linked accounts')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const cs = await withCore(opts, (me) => me.sync.list());
      new Output(!!opts.json).result(cs, (xs) =>
        xs.length ? xs.flatMap(channelLines) : ['no sync channels'],
      );
    });
}
