// `custody account …`: accounts and their passwords (add, list, show, reveal, set-password,
// history, delete, favourite), its own file so the account commands are found by name.
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { generatePassword, Secret, UsageError } from '../../../core/index.ts';
import { readPasswordFile, withCore } from '../../context.ts';
import { Output, table } from '../../output.ts';
import { collect, fieldValues, g } from './options.ts';

export function registerAccounts(program: Command): void {
  const account = program
    .command('account')
    .description('accounts and their passwords (named RESOURCE/ACCOUNT)');
  account
    .command('add <resource> <account>')
    .description('add an account to a resource, with its password or SSH private key')
    .option('--password-file <file>', 'the password (or - for standard input)')
    .option('--generate', 'generate a password that satisfies the resource policy')
    .option('--private-key', 'the file holds an SSH private key (OpenSSH or PEM), not a password')
    .option('--notes <text>', 'notes')
    .option('--field <name=value>', 'custom field (repeatable)', collect)
    .option('--field-file <name=file>', 'password-kind custom field from a file (repeatable)', collect)
    .action(
      async (
        res: string,
        acc: string,
        o: Record<string, string | string[] | boolean | undefined>,
        cmd: Command,
      ) => {
        const opts = g(cmd);
        if (!o.passwordFile === !o.generate)
          throw new UsageError('give exactly one of --password-file F or --generate');
        const custom = await fieldValues(
          o.field as string[] | undefined,
          o.fieldFile as string[] | undefined,
        );
        if (o.privateKey && !o.passwordFile)
          throw new UsageError('--private-key needs --password-file F holding the key');
        const pw = o.passwordFile
          ? o.privateKey
            ? Secret.fromString(
                await fs.readFile(o.passwordFile as string, 'utf8').catch(() => {
                  throw new UsageError(`cannot read ${String(o.passwordFile)}`);
                }),
              )
            : await readPasswordFile(o.passwordFile as string)
          : undefined;
        const a = await withCore(opts, async (me) => {
          const password =
            pw ??
            generatePassword(
              (await me.policies.list()).find((p) => p.isDefault)!,
              { loginName: acc },
            );
          return me.accounts.add(res, acc, password, {
            notes: o.notes as string | undefined,
            custom,
            ...(o.privateKey ? { credentialKind: 'private-key' as const } : {}),
          });
        });
        new Output(!!opts.json).result(a, (x) => `stored ${x.ref}`);
      },
    );
  account
    .command('list')
    .description('the accounts you may see')
    .option('--search <text>', 'filter on resource, account, description, DNS name')
    .action(async (o: { search?: string }, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, (me) => me.explorer.all(o.search ?? ''));
      new Output(!!opts.json).result(r, (x) => [
        ...table([
          ['ACCOUNT', 'HOST', 'ACCESS'],
          ...x.entries.map((e) => [e.ref, e.dnsName || '-', e.access]),
        ]),
        `${x.total} accounts`,
      ]);
    });
  account
    .command('show <ref>')
    .description('an account: fields and custom fields, never the password')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const a = await withCore(opts, (me) => me.accounts.get(ref));
      new Output(!!opts.json).result(a, (x) => [
        `${x.ref}  (your access: ${x.access})`,
        `password changed ${x.passwordChangedAt} by ${x.passwordChangedBy}`,
        ...(x.notes ? [`notes: ${x.notes}`] : []),
        ...Object.entries(x.custom).map(([k, v]) => `${k}: ${v}`),
      ]);
    });
  account
    .command('reveal <ref>')
    .description('print the password (audited as a password access)')
    .option('--reason <text>', 'why: kept in the audit row')
    .option('--field <name>', 'reveal a password-kind custom field instead')
    .option('--ticket <id>', 'ticket id, where ticket validation is on')
    .action(async (ref: string, o: { reason?: string; field?: string; ticket?: string }, cmd: Command) => {
      const opts = g(cmd);
      const s = await withCore(opts, (me) =>
        o.field ? me.accounts.revealCustom(ref, o.field) : me.accounts.reveal(ref, o.reason, o.ticket),
      );
      // The one place a password is printed: an explicit, authorised, audited reveal.
      new Output(!!opts.json).result({ ref, password: s.reveal() }, (x) => x.password);
    });
  account
    .command('set-password <ref>')
    .description("change an account's password in the vault (the old one goes to history)")
    .option('--password-file <file>', 'file holding the new password (- for standard input)')
    .option('--generate', 'generate one that satisfies the policy (not printed)')
    .option('--ticket <id>', 'ticket id, where ticket validation is on')
    .action(
      async (
        ref: string,
        o: { passwordFile?: string; generate?: boolean; ticket?: string },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        if (!o.passwordFile === !o.generate)
          throw new UsageError('give exactly one of --password-file F or --generate');
        const pw = o.passwordFile ? await readPasswordFile(o.passwordFile) : undefined;
        await withCore(opts, async (me) => {
          const password =
            pw ??
            generatePassword(
              (await me.policies.list()).find((p) => p.isDefault)!,
              { loginName: ref.split('/').pop() ?? '' },
            );
          await me.accounts.changePassword(ref, password, o.ticket);
        });
        new Output(!!opts.json).result(
          { ref, changed: true },
          () => `password of ${ref} changed (old one kept in history)`,
        );
      },
    );
  account
    .command('history <ref>')
    .description("an account's password history: when, by whom, from where (never the passwords)")
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const h = await withCore(opts, (me) => me.accounts.history(ref));
      new Output(!!opts.json).result(h, (xs) =>
        table([
          ['ID', 'CHANGED', 'BY', 'FROM'],
          ...xs.map((x) => [x.id, x.changedAt, x.changedBy, x.source]),
        ]),
      );
    });
  account
    .command('delete <ref>')
    .description('delete an account')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.accounts.remove(ref));
      new Output(!!opts.json).result({ ref, deleted: true }, () => `deleted ${ref}`);
    });
  account
    .command('favourite <ref> [onoff]')
    .description('add an account to your favourites, or remove it with off')
    .action(async (ref: string, onoff: string | undefined, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const on = onoff !== 'off';
      await withCore(opts, (me) => me.explorer.setFavourite(ref, on));
      new Output(!!opts.json).result(
        { ref, favourite: on },
        () => `${ref} ${on ? 'added to' : 'removed from'} favourites`,
      );
    });
}
