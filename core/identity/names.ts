import { ValidationError } from '../errors.ts';
import { hasUnsafeCharacters, printable } from '../printable.ts';

/**
 * Login names appear inside the direct-target SSH username `USER:ACCOUNT@RESOURCE`, so ':' and
 * '@' are excluded, as are spaces and control characters.
 */
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

export function checkUsername(name: string): string {
  if (!USERNAME.test(name)) {
    throw new ValidationError(
      `invalid user name '${name.slice(0, 80)}': 1–64 letters, digits, '.', '_' or '-', not starting with '.' or '-'`,
      { field: 'username' },
    );
  }
  return name;
}

/** Half of a UTF-16 pair without its other half: not a character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The one rule for names other than login names (resources, accounts, resource and user groups,
 * landing servers, types, fields, policies, explorer nodes), wherever they come from: the CLI,
 * the console, a CSV import or a sync: a name is shown later in places (terminal, audit
 * lines) that must not be fooled by it. Trimmed, required, bounded, well-formed
 * UTF-16, and none of what `printable` neutralises: C0 and C1 controls, DEL, and the bidi and
 * invisible formatting characters that make a name read as another.
 */
export function checkName(field: string, value: string, max = 200): string {
  const v = value.trim();
  if (!v) throw new ValidationError(`${field} is required`, { field });
  if ([...v].length > max) throw new ValidationError(`${field} is longer than ${max} characters`, { field });
  if (hasUnsafeCharacters(v) || LONE_SURROGATE.test(v))
    throw new ValidationError(`${field} contains control or invisible formatting characters`, { field });
  return v;
}

/** An optional name-like field (a person's first or last name, a department): empty, or a name. */
export function checkOptionalName(field: string, value: string | undefined, max: number): string {
  const v = (value ?? '').trim();
  return v ? checkName(field, v, max) : '';
}

export function checkAccountName(name: string): string {
  return checkName('account name', name, 200);
}

export function checkText(field: string, value: string | undefined, max: number): string {
  const v = (value ?? '').trim();
  if ([...v].length > max) throw new ValidationError(`${field} is longer than ${max} characters`, { field });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(v))
    throw new ValidationError(`${field} contains control characters`, { field });
  return v;
}

export function checkEmail(value: string | undefined): string {
  const v = (value ?? '').trim();
  if (v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v))
    throw new ValidationError(`invalid e-mail address '${v.slice(0, 80)}'`, { field: 'email' });
  if (v.length > 254) throw new ValidationError('e-mail address is too long', { field: 'email' });
  return v;
}

/** Longest name kept from a failed login (the front door refuses longer ones before any lookup). */
export const MAX_LOGIN_NAME = 256;

/**
 * A name as typed by someone not yet logged in, as it is stored (failure counters, audit rows):
 * controls, DEL and bidi characters become '?', and it is bounded, so it can neither forge a line
 * where it is shown later nor fill the database. Valid user names pass unchanged.
 */
export function storedLoginName(name: string, max = MAX_LOGIN_NAME): string {
  return printable(name, max);
}
