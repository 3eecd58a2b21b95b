import { ValidationError } from '../errors.ts';
import { printable } from '../printable.ts';

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

/** Names of resources, accounts, groups: printable, no control characters, bounded. */
export function checkName(field: string, value: string, max = 200): string {
  const v = value.trim();
  if (!v) throw new ValidationError(`${field} is required`, { field });
  if ([...v].length > max) throw new ValidationError(`${field} is longer than ${max} characters`, { field });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v))
    throw new ValidationError(`${field} contains control characters`, { field });
  return v;
}

export function checkText(field: string, value: string | undefined, max: number): string {
  const v = (value ?? '').trim();
  if ([...v].length > max) throw new ValidationError(`${field} is longer than ${max} characters`, { field });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v))
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
 * where it is shown later nor fill the database (issue 11 #8). Valid user names pass unchanged.
 */
export function storedLoginName(name: string, max = MAX_LOGIN_NAME): string {
  return printable(name, max);
}
