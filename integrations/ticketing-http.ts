import { readFileSync } from 'node:fs';
import type { TicketingSettings, TicketSystem } from '../core/index.ts';
import { oneLine } from './one-line.ts';

/**
 * The ticketing system over its REST API: GET the configured URL with `{id}` replaced
 * by the ticket id. 404 means "no such ticket". The answer is a JSON object; its scalar fields,
 * at the top level or under `ticket`, `request` or `result` (the shapes of the common systems),
 * become the ticket's fields. The auth token, when configured, is read from a file and sent as
 * `Authorization: Basic <token>` (the token being Base64 of user:password) or as-is if it names a scheme.
 * The token file is named in conf/custody.toml (`[ticketing] auth_token_file`), which only the
 * host's administrator edits, never in the database settings that Custody administrators change:
 * otherwise an administrator could point it at the master key and the URL at their own server.
 */
export class HttpTicketSystem implements TicketSystem {
  constructor(
    private readonly settings: Readonly<TicketingSettings>,
    /** Absolute path of the auth-token file, or '' for none. */
    private readonly tokenFile: string,
  ) {}

  private authorization(): string | undefined {
    if (!this.tokenFile) return undefined;
    let token: string;
    try {
      token = readFileSync(this.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new Error(
        `cannot read the ticketing auth token file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    return /^(Basic|Bearer|Token) /i.test(token) ? token : `Basic ${token}`;
  }

  async lookup(ticketId: string): Promise<Record<string, string> | null> {
    const url = this.settings.url.replace('{id}', encodeURIComponent(ticketId));
    const auth = this.authorization();
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}) },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      throw new Error(oneLine(e, this.settings.timeoutMs));
    }
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`the ticketing system answered HTTP ${res.status}`);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new Error('the ticketing system did not answer JSON');
    }
    return flatten(body);
  }
}

function flatten(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') throw new Error('the ticketing system answered no ticket object');
  const o = body as Record<string, unknown>;
  const inner = ['ticket', 'request', 'result'].map((k) => o[k]).find((v) => v && typeof v === 'object');
  const src = (Array.isArray(inner) ? inner[0] : inner) ?? o;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(src as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = String(v);
    // ServiceDesk-style { name: "Open" } and ServiceNow-style { display_value: "…" } objects.
    else if (v && typeof v === 'object') {
      const n = (v as Record<string, unknown>).name ?? (v as Record<string, unknown>).display_value;
      if (typeof n === 'string') fields[k] = n;
    }
  }
  return fields;
}
