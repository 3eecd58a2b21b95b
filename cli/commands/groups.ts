import type { Command } from 'commander';
import {
  CRITERIA_FIELDS,
  CRITERIA_OPERATORS,
  UsageError,
  type Criterion,
  type ObjectKind,
  type Privilege,
} from '../../core/index.ts';
import { withCore, globalsOf, type GlobalOptions } from '../context.ts';
import { Output, table } from '../output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--criterion "resource-name contains web"` */
function parseCriterion(text: string): Criterion {
  const m = /^\s*(\S+)\s+(\S+)\s+(.*)$/.exec(text);
  if (!m) throw new UsageError(`criterion must be "FIELD OPERATOR VALUE", got '${text.slice(0, 60)}'`);
  const [, field, op, value] = m as unknown as [string, string, string, string];
  if (!(CRITERIA_FIELDS as readonly string[]).includes(field))
    throw new UsageError(`criteria field must be one of ${CRITERIA_FIELDS.join(', ')}`);
  if (!(CRITERIA_OPERATORS as readonly string[]).includes(op))
    throw new UsageError(`operator must be one of ${CRITERIA_OPERATORS.join(', ')}`);
  return { field, op, value: value.replace(/^"(.*)"$/, '$1') } as Criterion;
}

export function registerGroups(program: Command): void {
  const rg = program
    .command('rgroup')
    .description('resource groups (static or criteria-based) and the explorer tree');
  rg.command('add <name>')
    .description('add a resource group: static, or criteria-based with --criterion')
    .option('--criterion <text>', 'FIELD OPERATOR VALUE (repeatable); makes a criteria group', collect)
    .option('--match <all|any>', 'how criteria combine', 'all')
    .option('--parent <group>', 'nest under one of your groups')
    .option('--policy <name>', 'password policy for its resources')
    .option('--description <text>', 'what the group is for')
    .action(
      async (
        name: string,
        o: { criterion?: string[]; match: string; parent?: string; policy?: string; description?: string },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        const criteria = (o.criterion ?? []).map(parseCriterion);
        if (o.match !== 'all' && o.match !== 'any') throw new UsageError('--match takes all or any');
        const r = await withCore(opts, (me) =>
          me.groups.create({
            name,
            kind: criteria.length ? 'criteria' : 'static',
            criteria,
            match: o.match as 'all' | 'any',
            parent: o.parent ?? null,
            policy: o.policy ?? null,
            description: o.description ?? '',
          }),
        );
        new Output(!!opts.json).result(r, (x) => `created ${x.kind} group ${x.name}`);
      },
    );
  rg.command('add-resource <group> <resource>')
    .description('add a resource to a static group')
    .action(async (group: string, resource: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.groups.addResource(group, resource));
      new Output(!!opts.json).result({ group, resource }, () => `added ${resource} to ${group}`);
    });
  rg.command('remove-resource <group> <resource>')
    .description('remove a resource from a static group')
    .action(async (group: string, resource: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.groups.removeResource(group, resource));
      new Output(!!opts.json).result({ group, resource }, () => `removed ${resource} from ${group}`);
    });
  rg.command('members <group>')
    .description('the resources of a group (criteria evaluated now)')
    .action(async (group: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const m = await withCore(opts, (me) => me.groups.members(group));
      new Output(!!opts.json).result(m, (xs) => xs);
    });
  rg.command('tree')
    .description('the explorer tree of groups')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const t = await withCore(opts, (me) => me.explorer.tree());
      const lines: string[] = [];
      const walk = (nodes: typeof t, depth: number) => {
        for (const n of nodes) {
          lines.push(`${'  '.repeat(depth)}${n.name}${n.visible ? '' : ' (empty)'}`);
          walk(n.children, depth + 1);
        }
      };
      walk(t, 0);
      new Output(!!opts.json).result(t, () => lines);
    });
  rg.command('delete <group>')
    .description('delete a resource group (its resources stay)')
    .action(async (group: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.groups.remove(group));
      new Output(!!opts.json).result(
        { group, deleted: true },
        () => `deleted group ${group} (its resources stay)`,
      );
    });
  rg.command('transfer <group>')
    .description('give a static group to another owner')
    .requiredOption('--to <user>', 'the new owner')
    .action(async (group: string, o: { to: string }, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.groups.transfer(group, o.to));
      new Output(!!opts.json).result({ group, owner: o.to }, () => `${group} now belongs to ${o.to}`);
    });

  const explorer = program.command('explorer').description('the password explorer views');
  explorer
    .command('favourites')
    .description('your favourite accounts')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const f = await withCore(opts, (me) => me.explorer.favourites());
      new Output(!!opts.json).result(f, (xs) =>
        xs.map((x) => `${x.ref}${x.accessible ? '' : '  (no longer shared with you)'}`),
      );
    });
  explorer
    .command('recent')
    .description('the accounts you used most recently')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, (me) => me.explorer.recent());
      new Output(!!opts.json).result(r, (xs) => xs);
    });

  program
    .command('share <target>')
    .description('share ACCOUNT (RESOURCE/ACCOUNT) or RESOURCE (or a group with --resource-group)')
    .option('--user <name>', 'share with this user')
    .option('--user-group <name>', 'share with this user group')
    .option('--privilege <p>', 'view | modify | manage')
    .option('--resource-group', 'the target names a resource group')
    .option('--revoke', 'remove the share instead')
    .option('--list', 'list who the target is shared with')
    .action(
      async (
        target: string,
        o: {
          user?: string;
          userGroup?: string;
          privilege?: string;
          resourceGroup?: boolean;
          revoke?: boolean;
          list?: boolean;
        },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        const kind: ObjectKind = o.resourceGroup ? 'group' : target.includes('/') ? 'account' : 'resource';
        const out = new Output(!!opts.json);
        if (o.list) {
          const l = await withCore(opts, (me) => me.sharing.list({ kind, name: target }));
          out.result(l, (xs) =>
            table([['GRANTEE', 'KIND', 'PRIVILEGE'], ...xs.map((x) => [x.grantee, x.kind, x.privilege])]),
          );
          return;
        }
        if (!o.user === !o.userGroup)
          throw new UsageError('give exactly one of --user NAME or --user-group NAME');
        const grantee = o.user
          ? { kind: 'user' as const, name: o.user }
          : { kind: 'user-group' as const, name: o.userGroup! };
        if (o.revoke) {
          await withCore(opts, (me) => me.sharing.revoke({ kind, name: target }, grantee));
          out.result(
            { target, grantee: grantee.name, revoked: true },
            () => `revoked ${grantee.name}'s share of ${target}`,
          );
          return;
        }
        if (!o.privilege) throw new UsageError('--privilege view|modify|manage is required');
        await withCore(opts, (me) =>
          me.sharing.grant({ kind, name: target }, grantee, o.privilege as Privilege),
        );
        out.result(
          { target, kind, grantee: grantee.name, privilege: o.privilege },
          () => `shared ${kind} ${target} with ${grantee.name} (${o.privilege})`,
        );
      },
    );
}
