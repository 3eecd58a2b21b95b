import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, type TicketingSettings } from '../../core/index.ts';
import { readPasswordFile, withCore, globalsOf, type GlobalOptions } from '../context.ts';
import { Output } from '../output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);

/**
 * `custody passwd` (a user changes their own login password) and `custody ticketing` (the
 * ticketing-system settings).
 */
export function registerSelfService(program: Command): void {
  program
    .command('passwd')
    .description('change your own login password (acting as --as USER), or show the rules it must meet')
    .option('--old-file <file>', 'your current password')
    .option('--new-file <file>', 'the new password')
    .option('--rules', 'print the combined password rules instead')
    .action(async (o: { oldFile?: string; newFile?: string; rules?: boolean }, cmd: Command) => {
      const opts = g(cmd);
      if (!opts.as)
        throw new UsageError('passwd changes your own password: give --as USER --password-file F');
      if (o.rules) {
        const r = await withCore(opts, (me) => me.selfService.passwordRules());
        new Output(!!opts.json).result(r, (x) => [
          `policies: ${x.policies.join(', ')}`,
          `length ${x.minLength}–${x.maxLength}, digits ≥ ${x.minDigits}, specials ≥ ${x.minSpecial}`,
          `mixed case: ${x.mixedCase ? 'yes' : 'no'}, starts with a letter: ${x.startWithAlpha ? 'yes' : 'no'}, login name allowed: ${x.allowLoginName ? 'yes' : 'no'}`,
          ...(x.qualityExit ? ['an external password-quality check also applies'] : []),
        ]);
        return;
      }
      if (!o.oldFile || !o.newFile) throw new UsageError('give --old-file F and --new-file G');
      const oldPw = await readPasswordFile(o.oldFile);
      const newPw = await readPasswordFile(o.newFile);
      await withCore(opts, (me) => me.selfService.changeOwnPassword(oldPw, newPw));
      new Output(!!opts.json).result(
        { user: opts.as, changed: true },
        () => `password changed for ${opts.as}`,
      );
    });

  program
    .command('ticketing')
    .description('ticketing-system integration: show the settings, or apply a JSON file of them')
    .option(
      '--file <file>',
      'JSON object with the settings to change (see docs/administrators/ticket-validation.md)',
    )
    .action(async (o: { file?: string }, cmd: Command) => {
      const opts = g(cmd);
      let patch: Partial<TicketingSettings> | undefined;
      if (o.file) {
        try {
          patch = JSON.parse(await fs.readFile(o.file, 'utf8')) as Partial<TicketingSettings>;
        } catch {
          throw new UsageError(`cannot read JSON settings from ${o.file}`);
        }
        if (!patch || typeof patch !== 'object' || Array.isArray(patch))
          throw new UsageError(`${o.file}: expected a JSON object`);
      }
      const s = await withCore(opts, (me) => (patch ? me.ticketing.configure(patch) : me.ticketing.get()));
      new Output(!!opts.json).result(s, (x) => JSON.stringify(x, null, 2));
    });
}
