import type { Command } from 'commander';
import { UsageError, type ListenerView } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output, table } from '../output.ts';

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError('--timeout-seconds must be a whole number');
  return Number(v);
}

const line = (l: ListenerView) =>
  `listener ${l.name} (v${l.version}, ${l.resourceType}): ${l.status}${l.decidedBy ? ` by ${l.decidedBy}` : ''}`;

/**
 * Reset listeners (a program run after a password of its resource type is stored):
 * `listener add|edit|approve|reject|remove|list`. A new or edited listener is pending until another
 * administrator approves it.
 */
export function registerListener(program: Command): void {
  const l = program
    .command('listener')
    .description('reset listeners: commands run after a password is stored');

  l.command('add <name>')
    .description('add a listener for a resource type (pending until another administrator approves it)')
    .requiredOption('--type <resourceType>', 'the resource type it runs for')
    .requiredOption('--command <path>', 'absolute path of the program (run without a shell)')
    .option('--args <arg...>', 'additional parameters, passed as they are after the standard ones')
    .option('--timeout-seconds <n>', 'killed (process group, SIGKILL) after this long (default 60)')
    .option('--approver <admin>', 'the administrator asked to approve (default: all the others)')
    .action(
      async (
        name: string,
        o: { type: string; command: string; args?: string[]; timeoutSeconds?: string; approver?: string },
        cmd: Command,
      ) => {
        const opts = globalsOf(cmd);
        const t = seconds(o.timeoutSeconds);
        const v = await withCore(opts, (me) =>
          me.listeners.add(name, {
            resourceType: o.type,
            command: o.command,
            args: o.args ?? [],
            ...(t !== undefined ? { timeoutSeconds: t } : {}),
            ...(o.approver ? { approver: o.approver } : {}),
          }),
        );
        new Output(!!opts.json).result(v, (x) => `${line(x)} (another administrator must approve it)`);
      },
    );

  l.command('edit <name>')
    .description('change a listener; it is pending again until another administrator approves it')
    .option('--type <resourceType>', 'the resource type it runs for')
    .option('--command <path>', 'absolute path of the program')
    .option('--args <arg...>', 'replaces the additional parameters')
    .option('--no-args', 'no additional parameters')
    .option('--timeout-seconds <n>', 'timeout in seconds')
    .option('--approver <admin>', 'the administrator asked to approve (default: all the others)')
    .action(
      async (
        name: string,
        o: {
          type?: string;
          command?: string;
          args?: string[] | false;
          timeoutSeconds?: string;
          approver?: string;
        },
        cmd: Command,
      ) => {
        const opts = globalsOf(cmd);
        const t = seconds(o.timeoutSeconds);
        const v = await withCore(opts, (me) =>
          me.listeners.edit(name, {
            ...(o.type ? { resourceType: o.type } : {}),
            ...(o.command ? { command: o.command } : {}),
            ...(o.args === false ? { args: [] } : o.args ? { args: o.args } : {}),
            ...(t !== undefined ? { timeoutSeconds: t } : {}),
            ...(o.approver ? { approver: o.approver } : {}),
          }),
        );
        new Output(!!opts.json).result(v, (x) => `${line(x)} (another administrator must approve it)`);
      },
    );

  for (const [verb, what] of [
    ['approve', 'approve a pending listener written by another administrator'],
    ['reject', 'reject a pending listener written by another administrator'],
  ] as const) {
    l.command(`${verb} <name>`)
      .description(what)
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const opts = globalsOf(cmd);
        const v = await withCore(opts, (me) =>
          verb === 'approve' ? me.listeners.approve(name) : me.listeners.reject(name),
        );
        new Output(!!opts.json).result(v, line);
      });
  }

  l.command('remove <name>')
    .description('delete a listener')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      await withCore(opts, (me) => me.listeners.remove(name));
      new Output(!!opts.json).result({ name, removed: true }, () => `listener ${name} removed`);
    });

  l.command('list')
    .description('list listeners and their approval status')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const ls = await withCore(opts, (me) => me.listeners.list());
      new Output(!!opts.json).result(ls, (xs) =>
        xs.length === 0
          ? ['no listeners']
          : table([
              ['NAME', 'TYPE', 'STATUS', 'VERSION', 'AUTHOR', 'DECIDED BY', 'TIMEOUT', 'COMMAND'],
              ...xs.map((x) => [
                x.name,
                x.resourceType,
                x.status,
                String(x.version),
                x.author,
                x.decidedBy ?? '-',
                `${x.timeoutSeconds}s`,
                [x.command, ...x.args].join(' '),
              ]),
            ]),
      );
    });
}
