import type { Command } from 'commander';
import { UsageError, userStatusText, type Role } from '../../core/index.ts';
import { readPasswordFile, withCore, globalsOf, type GlobalOptions } from '../context.ts';
import { Output, table } from '../output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);

function parseBool(v: string): boolean {
  if (/^(on|true|yes|1)$/i.test(v)) return true;
  if (/^(off|false|no|0)$/i.test(v)) return false;
  throw new UsageError(`expected on or off, got '${v}'`);
}

export function registerIdentity(program: Command): void {
  const user = program.command('user').description('users, roles and scope');
  user
    .command('add <name>')
    .description('add a Custody user with a role')
    .requiredOption('--role <role>', 'admin | password-admin | password-user | auditor')
    .option('--password-file <file>', 'login password (else the user cannot log in until one is set)')
    .option('--first-name <text>', 'first name')
    .option('--last-name <text>', 'last name')
    .option('--email <address>', 'e-mail address, for notifications')
    .option('--department <text>', 'department')
    .option('--location <text>', 'location')
    .option('--super-admin', 'access scope "all passwords in the system" (admin or password-admin only)')
    .action(async (name: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const opts = g(cmd);
      const password =
        typeof o.passwordFile === 'string' ? await readPasswordFile(o.passwordFile) : undefined;
      const u = await withCore(opts, (me) =>
        me.users.create({
          username: name,
          role: o.role as Role,
          firstName: o.firstName as string | undefined,
          lastName: o.lastName as string | undefined,
          email: o.email as string | undefined,
          department: o.department as string | undefined,
          location: o.location as string | undefined,
          superAdmin: !!o.superAdmin,
          ...(password ? { password } : {}),
        }),
      );
      new Output(!!opts.json).result(
        u,
        (x) => `created user ${x.username} (${x.role}${x.superAdmin ? ', super administrator' : ''})`,
      );
    });
  user
    .command('list')
    .description('users with role, scope and status (a locked user: locked until HH:MM UTC)')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const users = await withCore(opts, (me) => me.users.list());
      new Output(!!opts.json).result(users, (us) =>
        table([
          ['USER', 'ROLE', 'SCOPE', 'STATUS'],
          ...us.map((u) => [u.username, u.role, u.superAdmin ? 'all' : 'owned+shared', userStatusText(u)]),
        ]),
      );
    });
  user
    .command('unlock <name>')
    .description('lift a lockout after failed logins (audited)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, (me) => me.logins.unlock(name));
      new Output(!!opts.json).result(r, (x) =>
        x.wasLockedUntil ? `${name} unlocked` : `${name} was not locked; failed logins forgotten`,
      );
    });
  user
    .command('set-role <name> <role>')
    .description("change a user's role: admin, password-admin, password-user or auditor")
    .action(async (name: string, role: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const u = await withCore(opts, (me) => me.users.setRole(name, role as Role));
      new Output(!!opts.json).result(u, (x) => `${x.username} is now ${x.role}`);
    });
  user
    .command('set-scope <name> <scope>')
    .description('scope: all (super administrator) or owned')
    .action(async (name: string, scope: string, _o: unknown, cmd: Command) => {
      if (scope !== 'all' && scope !== 'owned') throw new UsageError(`scope must be 'all' or 'owned'`);
      const opts = g(cmd);
      const u = await withCore(opts, (me) => me.users.setScope(name, scope === 'all'));
      new Output(!!opts.json).result(
        u,
        (x) => `${x.username} scope: ${x.superAdmin ? 'all passwords' : 'owned and shared'}`,
      );
    });
  user
    .command('passwd <name>')
    .description("set another user's login password")
    .requiredOption('--password-file <file>', 'file holding the new login password (- for standard input)')
    .action(async (name: string, o: { passwordFile: string }, cmd: Command) => {
      const opts = g(cmd);
      const pw = await readPasswordFile(o.passwordFile);
      await withCore(opts, (me) => me.users.setPassword(name, pw));
      new Output(!!opts.json).result({ user: name, passwordSet: true }, () => `password set for ${name}`);
    });
  user
    .command('disable <name>')
    .description('disable a user: they can no longer log in')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.users.update(name, { status: 'inactive' }));
      new Output(!!opts.json).result({ user: name, status: 'inactive' }, () => `${name} disabled`);
    });
  user
    .command('enable <name>')
    .description('enable a disabled user again')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.users.update(name, { status: 'active' }));
      new Output(!!opts.json).result({ user: name, status: 'active' }, () => `${name} enabled`);
    });
  user
    .command('delete <name>')
    .description('delete a user')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.users.remove(name));
      new Output(!!opts.json).result({ user: name, deleted: true }, () => `deleted user ${name}`);
    });

  const ug = program.command('usergroup').description('user groups and their settings');
  ug.command('add <name>')
    .description('add a user group')
    .option('--description <text>', 'what the group is for')
    .action(async (name: string, o: { description?: string }, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, (me) => me.userGroups.create(name, o.description ?? ''));
      new Output(!!opts.json).result(r, (x) => `created user group ${x.name}`);
    });
  ug.command('list')
    .description('user groups and their members')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const r = await withCore(opts, (me) => me.userGroups.list());
      new Output(!!opts.json).result(r, (gs) =>
        table([['GROUP', 'MEMBERS'], ...gs.map((x) => [x.name, x.members.join(',')])]),
      );
    });
  ug.command('member <action> <group> <user>')
    .description('action: add or remove')
    .action(async (action: string, group: string, u: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      if (action !== 'add' && action !== 'remove')
        throw new UsageError(`member action must be add or remove`);
      await withCore(opts, (me) =>
        action === 'add' ? me.userGroups.addMember(group, u) : me.userGroups.removeMember(group, u),
      );
      new Output(!!opts.json).result(
        { group, user: u, action },
        () => `${action === 'add' ? 'added' : 'removed'} ${u} ${action === 'add' ? 'to' : 'from'} ${group}`,
      );
    });
  ug.command('set <group>')
    .description(
      "change a user group's settings (a member gets a switch only if every group of theirs allows it)",
    )
    .option(
      '--export-include-passwords <on|off>',
      "whether members' exports may include passwords (default on)",
    )
    .option('--allow-personal <on|off>', 'whether members may keep personal passwords (default on)')
    .option(
      '--allow-export-personal <on|off>',
      'whether members may export their personal passwords (default on)',
    )
    .option(
      '--allow-grant-manage-criteria <on|off>',
      'whether members may grant manage on criteria groups (default off)',
    )
    .action(async (group: string, o: Record<string, string | undefined>, cmd: Command) => {
      const opts = g(cmd);
      const settings = Object.fromEntries(
        Object.entries(o)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, parseBool(v!)]),
      );
      const r = await withCore(opts, (me) => me.userGroups.updateSettings(group, settings));
      new Output(!!opts.json).result(r, (x) => `updated ${x.name}`);
    });
  ug.command('delete <group>')
    .description('delete a user group')
    .action(async (group: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.userGroups.remove(group));
      new Output(!!opts.json).result({ group, deleted: true }, () => `deleted user group ${group}`);
    });

  const settings = program.command('settings').description('run-time settings');
  settings
    .command('show')
    .description('the run-time settings and their values')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const s = await withCore(opts, (me) => me.settings.get());
      new Output(!!opts.json).result(s, (x) => Object.entries(x).map(([k, v]) => `${k} = ${String(v)}`));
    });
  settings
    .command('deny-super-admin-creation <onoff>')
    .description('on: only super administrators create super administrators (a super administrator sets it)')
    .action(async (v: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.settings.setSuperAdminCreationDenied(parseBool(v)));
      new Output(!!opts.json).result(
        { superAdminCreationDenied: parseBool(v) },
        () => `superAdminCreationDenied = ${parseBool(v)}`,
      );
    });
  settings
    .command('org-wide-tree <onoff>')
    .description('on: one organisation-wide explorer tree that all administrators edit (off: one tree each)')
    .action(async (v: string, _o: unknown, cmd: Command) => {
      const opts = g(cmd);
      await withCore(opts, (me) => me.settings.setOrgWideTree(parseBool(v)));
      new Output(!!opts.json).result({ orgWideTree: parseBool(v) }, () => `orgWideTree = ${parseBool(v)}`);
    });
}
