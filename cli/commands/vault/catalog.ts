// `custody type …` and `custody field …`: resource types and custom field definitions,
// its own file because the catalogue is configured apart from resources and accounts.
import type { Command } from 'commander';
import type { FieldKind, FieldTarget } from '../../../core/index.ts';
import { withCore } from '../../context.ts';
import { Output, table } from '../../output.ts';
import { g } from './options.ts';

export function registerCatalog(program: Command): void {
  const type = program.command('type').description('resource types');
  type
    .command('list')
    .description('resource types: protocol, reset connector, built-in or not')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const types = await withCore(opts, (me) => me.catalog.listTypes());
      new Output(!!opts.json).result(types, (ts) =>
        table([
          ['TYPE', 'PROTOCOL', 'RESET', 'BUILT-IN'],
          ...ts.map((t) => [t.name, t.protocol, t.resetKind ?? '-', t.builtin ? 'yes' : 'no']),
        ]),
      );
    });
  type
    .command('add <name>')
    .description('add a custom resource type')
    .option('--like <type>', 'behave like this type for sessions and resets')
    .option('--hide <attrs>', 'comma-separated attributes to hide (department,location,url,domain-name)')
    .option('--file-fields', 'enable file custom fields')
    .action(async (name: string, o: { like?: string; hide?: string; fileFields?: boolean }, cmd: Command) => {
      const opts = g(cmd);
      const t = await withCore(opts, (me) =>
        me.catalog.addType({
          name,
          ...(o.like ? { likeType: o.like } : {}),
          hiddenAttributes: o.hide ? o.hide.split(',') : [],
          fileFieldEnabled: !!o.fileFields,
        }),
      );
      new Output(!!opts.json).result(t, (x) => `created type ${x.name}`);
    });
  type
    .command('delete <name>')
    .description('delete a custom resource type')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.catalog.removeType(name));
      new Output(!!opts.json).result({ type: name, deleted: true }, () => `deleted type ${name}`);
    });

  const field = program
    .command('field')
    .description('custom fields (up to 20 for resources, 20 for accounts)');
  field
    .command('add <target> <name>')
    .description('add a custom field; target: resource or account')
    .requiredOption('--kind <kind>', 'text | numeric | password | datetime | file')
    .action(async (target: string, name: string, o: { kind: string }, cmd: Command) => {
      const opts = g(cmd);
      const f = await withCore(opts, (me) =>
        me.catalog.addField(target as FieldTarget, name, o.kind as FieldKind),
      );
      new Output(!!opts.json).result(f, (x) => `created ${x.target} field ${x.name} (${x.kind})`);
    });
  field
    .command('list')
    .description('custom fields: target, name, kind')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const fs = await withCore(opts, (me) => me.catalog.listFields());
      new Output(!!opts.json).result(fs, (xs) =>
        table([['TARGET', 'FIELD', 'KIND'], ...xs.map((f) => [f.target, f.name, f.kind])]),
      );
    });
}
