import { hasUnsafeCharacters, printable } from '../../core/index.ts';

/**
 * The doors in one user name: `alice` opens the console; `alice:ACCOUNT@RESOURCE` goes
 * straight to that account; `alice:wallboard` opens the operations wallboard (no '@', so it can
 * never be an account's name). The OpenSSH client splits `user@host` at the last '@', so
 * `ssh 'alice:root@web01'@bastion` arrives here as `alice:root@web01`.
 */
export type ParsedUsername =
  | { kind: 'console'; login: string }
  | { kind: 'wallboard'; login: string }
  | { kind: 'direct'; login: string; account: string; resource: string; ref: string }
  | { kind: 'malformed'; login: string; problem: string };

/** What follows `USER:` in the user name that opens the wallboard. */
export const WALLBOARD_DOOR = 'wallboard';

/** Longer SSH user names are refused before anything else looks at them. */
export const MAX_USERNAME_LENGTH = 256;

export function parseUsername(raw: string): ParsedUsername {
  if (raw.length > MAX_USERNAME_LENGTH)
    return {
      kind: 'malformed',
      login: raw.slice(0, MAX_USERNAME_LENGTH),
      problem: `the user name is longer than ${MAX_USERNAME_LENGTH} characters`,
    };
  const colon = raw.indexOf(':');
  if (colon < 0) return { kind: 'console', login: raw };
  const login = raw.slice(0, colon);
  const rest = raw.slice(colon + 1);
  if (rest === WALLBOARD_DOOR) return { kind: 'wallboard', login };
  const at = rest.lastIndexOf('@');
  if (at <= 0 || at === rest.length - 1) {
    return { kind: 'malformed', login, problem: `'${printable(raw)}' is not USER:ACCOUNT@RESOURCE` };
  }
  const account = rest.slice(0, at);
  const resource = rest.slice(at + 1);
  // Never passed on to core (whose refusal would echo it) with characters a terminal acts on.
  if (hasUnsafeCharacters(rest))
    return { kind: 'malformed', login, problem: `'${printable(raw)}' contains control characters` };
  return { kind: 'direct', login, account, resource, ref: `${resource}/${account}` };
}
