import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { checkUsername } from '../identity/names.ts';
import type { UsersService } from '../identity/users-service.ts';
import type { Repos } from '../storage/repos/index.ts';
import type { CsvLine } from './csv-reader.ts';
import { cell, secretCell, type LineResult } from './import-service.ts';

/** First Name, Last Name, User Name, Email Address are mandatory; the rest optional. */
export const USER_COLUMNS = {
  firstName: { label: 'First Name', required: true },
  lastName: { label: 'Last Name', required: true },
  username: { label: 'User Name', aliases: ['login', 'login name'], required: true },
  email: { label: 'Email Address', aliases: ['email', 'e-mail'], required: true },
  department: { label: 'Department' },
  location: { label: 'Location' },
  role: { label: 'Role', aliases: ['access level'] },
  twoFactor: { label: 'Two Factor', aliases: ['2fa', 'two factor authentication'] },
  password: { label: 'Password' },
} as const;

export type UserAttr = keyof typeof USER_COLUMNS;

export async function importUserLine(
  ctx: CoreContext,
  users: UsersService,
  repos: Repos,
  actor: Actor,
  line: CsvLine,
  cols: Record<UserAttr, number | undefined>,
): Promise<LineResult> {
  const username = checkUsername(cell(line, cols.username) ?? '');
  for (const attr of ['firstName', 'lastName', 'email'] as const) {
    if (!cell(line, cols[attr]))
      throw new ValidationError(`'${USER_COLUMNS[attr].label}' is empty`, { field: attr });
  }
  const twoFactor = (cell(line, cols.twoFactor) ?? 'disabled').toLowerCase();
  if (twoFactor !== 'enabled' && twoFactor !== 'disabled') {
    throw new ValidationError(`'Two Factor' must be enabled or disabled`, { field: 'twoFactor' });
  }
  // Existing users are never overwritten by a file: roles and passwords change one by one.
  if (await repos.users.byName(username))
    return { line: line.line, status: 'skipped', name: username, message: 'user exists' };
  const password = secretCell(line, cols.password);
  const user = await users.buildUser(repos, actor, {
    username,
    // Imported users get the least role unless the file says otherwise: a forgotten column must
    // not make anyone an administrator.
    role: (cell(line, cols.role) ?? 'password-user') as never,
    firstName: cell(line, cols.firstName),
    lastName: cell(line, cols.lastName),
    email: cell(line, cols.email),
    department: cell(line, cols.department),
    location: cell(line, cols.location),
    ...(password ? { password } : {}),
  });
  await repos.users.insert({ ...user, totpEnabled: twoFactor === 'enabled' });
  await ctx.auditLog.append(repos, {
    type: 'import.user-line',
    actor: actor.name,
    source: actor.source,
    target: { kind: 'user', name: username },
    result: 'success',
    details: { line: line.line, role: user.role },
  });
  return { line: line.line, status: 'created', name: username };
}
