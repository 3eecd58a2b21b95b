/**
 * The two doors in one (PRODUCT.md): `alice` opens the console; `alice:ACCOUNT@RESOURCE` goes
 * straight to that account. The OpenSSH client splits `user@host` at the last '@', so
 * `ssh 'alice:root@web01'@bastion` arrives here as `alice:root@web01`.
 */
export type ParsedUsername =
  | { kind: 'console'; login: string }
  | { kind: 'direct'; login: string; account: string; resource: string; ref: string }
  | { kind: 'malformed'; login: string; problem: string };

export function parseUsername(raw: string): ParsedUsername {
  const colon = raw.indexOf(':');
  if (colon < 0) return { kind: 'console', login: raw };
  const login = raw.slice(0, colon);
  const rest = raw.slice(colon + 1);
  const at = rest.lastIndexOf('@');
  if (at <= 0 || at === rest.length - 1) {
    return { kind: 'malformed', login, problem: `'${printable(raw)}' is not USER:ACCOUNT@RESOURCE` };
  }
  const account = rest.slice(0, at);
  const resource = rest.slice(at + 1);
  return { kind: 'direct', login, account, resource, ref: `${resource}/${account}` };
}

/** For echoing a user-supplied name back: no control characters, bounded. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 120);
}
