import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { generatePassword, Secret, UsageError, type FieldKind, type FieldTarget } from '../../core/index.ts';
import { readPasswordFile, withCore, globalsOf, type GlobalOptions } from '../context.ts';
import { Output, table } from '../output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--field NAME=VALUE`, repeatable. Password-kind fields are better set with --field-file. */
function fieldValues(pairs: string[] = [], files: string[] = []): Promise<Record<string, string | Secret>> {
  const out: Record<string, string | Secret> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--field takes NAME=VALUE, got '${p.slice(0, 40)}'`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return Promise.all(
    files.map(async (p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new UsageError(`--field-file takes NAME=FILE`);
      out[p.slice(0, i)] = await readPasswordFile(p.slice(i + 1));
    }),
  ).then(() => out);
}

function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--port must be a number`);
  return n;
}

export function registerVault(program: Command): void {
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

  const resource = program.command('resource').description('resources');
  resource
    .command('add <name>')
    .description('add a resource (a server, database or device whose accounts the vault keeps)')
    .requiredOption('--type <type>', 'resource type (custody type list)')
    .option('--host <host>', 'DNS name or IP address')
    .option('--port <n>', 'port of its protocol (SSH, Telnet, database, LDAP…)')
    .option('--description <text>', 'what the resource is')
    .option('--department <text>', 'department')
    .option('--location <text>', 'location')
    .option('--url <url>', 'resource URL (e.g. ldaps://host for an LDAP resource)')
    .option('--domain <name>', 'domain name')
    .option('--policy <name>', 'password policy for its accounts')
    .option('--field <name=value>', 'custom field (repeatable)', collect)
    .option('--field-file <name=file>', 'password-kind custom field read from a file (repeatable)', collect)
    .action(async (name: string, o: Record<string, string | string[] | undefined>, cmd: Command) => {
      const opts = g(cmd);
      const custom = await fieldValues(o.field as string[] | undefined, o.fieldFile as string[] | undefined);
      const r = await withCore(opts, (me) =>
        me.resources.create({
          name,
          type: o.type as string,
          dnsName: o.host as string | undefined,
          port: parsePort(o.port as string | undefined) ?? null,
          description: o.description as string | undefined,
          department: o.department as string | undefined,
          location: o.location as string | undefined,
          url: o.url as string | undefined,
          domainName: o.domain as string | undefined,
          policy: (o.policy as string | undefined) ?? null,
          custom,
        }),
      );
      new Output(!!opts.json).result(
        r,
        (x) =>
          `created resource ${x.name} (${x.typeName}${x.dnsName ? ` ${x.dnsName}:${x.port ?? ''}` : ''})`,
      );
    });
  resource
    .command('list')
    .description('the resources you may see')
    .option('--search <text>', 'filter on name, DNS name, description')
    .action(async (o: { search?: string }, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, (me) => me.resources.list(o.search ?? ''));
      new Output(!!opts.json).result(r, (xs) => [
        ...table([
          ['RESOURCE', 'TYPE', 'HOST', 'PORT', 'ACCESS'],
          ...xs.map((x) => [
            x.name,
            x.typeName,
            x.dnsName || '-',
            x.port === null ? '-' : String(x.port),
            x.access,
          ]),
        ]),
        `${xs.length} resources`,
      ]);
    });
  resource
    .command('show <name>')
    .description('a resource: type, owner, your access, host, pinned host key, accounts, custom fields')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, async (me) => ({
        ...(await me.resources.get(name)),
        hostKeys: (await me.hostKeys.pinsFor(name)).map((k) => ({
          keyType: k.keyType,
          fingerprint: k.fingerprint,
          firstSeen: k.firstSeen,
          state: k.state,
        })),
      }));
      new Output(!!opts.json).result(r, (x) => [
        `${x.name}  (${x.typeName}, owner ${x.ownerName}, your access: ${x.access})`,
        `host: ${x.dnsName || '-'}  port: ${x.port ?? '-'}`,
        ...(x.hostKeys.length === 0
          ? ['host key: not pinned yet']
          : x.hostKeys.map((k) =>
              k.state === 'expected'
                ? `host key: expected ${k.fingerprint} (accepted ${k.firstSeen})`
                : `host key: ${k.keyType} ${k.fingerprint} (first seen ${k.firstSeen})`,
            )),
        ...(x.description ? [`description: ${x.description}`] : []),
        `accounts: ${x.accounts.join(', ') || '-'}`,
        ...Object.entries(x.custom).map(([k, v]) => `${k}: ${v}`),
      ]);
    });
  resource
    .command('update <name>')
    .description('change a resource (a new host or port drops its pinned host key)')
    .option('--host <host>', 'new DNS name or IP address')
    .option('--port <n>', 'new port')
    .option('--description <text>', 'new description')
    .option('--policy <name>', 'password policy for its accounts')
    .option('--allow-port-forwarding <on|off>', 'let ssh -L through the gateway reach this resource')
    .option(
      '--record-file-contents <on|off>',
      'SFTP recordings of this resource keep the file contents too, not only the operations',
    )
    .action(async (name: string, o: Record<string, string | undefined>, cmd: Command) => {
      const opts = g(cmd);
      const flag = o.allowPortForwarding;
      if (flag !== undefined && !/^(on|off)$/.test(flag))
        throw new UsageError('--allow-port-forwarding takes on or off');
      const contents = o.recordFileContents;
      if (contents !== undefined && !/^(on|off)$/.test(contents))
        throw new UsageError('--record-file-contents takes on or off');
      const r = await withCore(opts, (me) =>
        me.resources.update(name, {
          ...(o.host !== undefined ? { dnsName: o.host } : {}),
          ...(o.port !== undefined ? { port: parsePort(o.port) ?? null } : {}),
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.policy !== undefined ? { policy: o.policy } : {}),
          ...(flag !== undefined ? { allowPortForwarding: flag === 'on' } : {}),
          ...(contents !== undefined ? { recordFileContents: contents === 'on' } : {}),
        }),
      );
      new Output(!!opts.json).result(r, (x) => `updated resource ${x.name}`);
    });
  resource
    .command('delete <name>')
    .description('delete a resource and its accounts')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.resources.remove(name));
      new Output(!!opts.json).result(
        { resource: name, deleted: true },
        () => `deleted resource ${name} and its accounts`,
      );
    });
  resource
    .command('transfer <name>')
    .description('give a resource to another owner (an administrator or password administrator)')
    .requiredOption('--to <user>', 'the new owner')
    .action(async (name: string, o: { to: string }, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.resources.transfer(name, o.to));
      new Output(!!opts.json).result({ resource: name, owner: o.to }, () => `${name} now belongs to ${o.to}`);
    });

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
