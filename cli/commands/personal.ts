import type { Command } from 'commander';
import { readPasswordFile, withCore, globalsOf, type GlobalOptions } from '../context.ts';
import { Output, table } from '../output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);

/** `custody personal …`: each user's own passwords, which nobody else sees. */
export function registerPersonal(program: Command): void {
  const personal = program
    .command('personal')
    .description('personal passwords (visible only to their owner)');
  personal
    .command('add <title>')
    .description('add a personal password')
    .requiredOption('--password-file <file>', 'file holding the password (- for standard input)')
    .option('--login <name>', 'the login name it goes with')
    .option('--url <url>', 'where it is used')
    .option('--notes <text>', 'notes')
    .action(
      async (
        title: string,
        o: { passwordFile: string; login?: string; url?: string; notes?: string },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        const password = await readPasswordFile(o.passwordFile);
        const p = await withCore(opts, (me) =>
          me.personal.add({ title, login: o.login, url: o.url, notes: o.notes, password }),
        );
        new Output(!!opts.json).result(p, (x) => `stored personal password ${x.title}`);
      },
    );
  personal
    .command('list')
    .description('your personal passwords (titles, never the passwords)')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const ps = await withCore(opts, (me) => me.personal.list());
      new Output(!!opts.json).result(ps, (xs) =>
        table([['TITLE', 'LOGIN', 'URL'], ...xs.map((x) => [x.title, x.login || '-', x.url || '-'])]),
      );
    });
  personal
    .command('reveal <title>')
    .description('print one of your personal passwords (audited)')
    .action(async (title: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const s = await withCore(opts, (me) => me.personal.reveal(title));
      new Output(!!opts.json).result({ title, password: s.reveal() }, (x) => x.password);
    });
  personal
    .command('delete <title>')
    .description('delete one of your personal passwords')
    .action(async (title: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.personal.remove(title));
      new Output(!!opts.json).result({ title, deleted: true }, () => `deleted personal password ${title}`);
    });
}
