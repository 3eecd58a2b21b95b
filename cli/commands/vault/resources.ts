// `custody resource …`: add, list, show, update, delete and transfer resources,
// its own file so the resource commands are found apart from the account commands.
import type { Command } from 'commander';
import { CLIPBOARD_POLICIES, UsageError, type ClipboardPolicy } from '../../../core/index.ts';
import { withCore } from '../../context.ts';
import { Output, table } from '../../output.ts';
import { collect, fieldValues, g, parsePort } from './options.ts';

export function registerResources(program: Command): void {
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
    .option('--clipboard <policy>', 'RDP clipboard: off (default), to-target, from-target or both')
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
          ...(o.clipboard !== undefined ? { clipboard: clipboardOption(o.clipboard as string) } : {}),
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
        ...(x.typeName === 'windows-rdp' || (x.clipboard ?? 'off') !== 'off'
          ? [`clipboard: ${x.clipboard ?? 'off'}`]
          : []),
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
    .option('--clipboard <policy>', 'RDP clipboard: off, to-target, from-target or both')
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
          ...(o.clipboard !== undefined ? { clipboard: clipboardOption(o.clipboard) } : {}),
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
}

function clipboardOption(v: string): ClipboardPolicy {
  if (!CLIPBOARD_POLICIES.includes(v as ClipboardPolicy))
    throw new UsageError(`--clipboard takes ${CLIPBOARD_POLICIES.join(', ')}`);
  return v as ClipboardPolicy;
}
