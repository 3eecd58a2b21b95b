/** The browser session cookie and the pending-TOTP cookie. `__Host-`: HTTPS, path /, no domain. */
export const SESSION_COOKIE = '__Host-custody-session';
export const PENDING_COOKIE = '__Host-custody-pending';

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** `Secure; HttpOnly; SameSite=Strict` always; `maxAgeSeconds` 0 clears the cookie. */
export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; Secure; HttpOnly; SameSite=Strict`;
}
