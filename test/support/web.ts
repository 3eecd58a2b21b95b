// A real bastion (`custody server` in a child process) with the HTTPS listener on a free port,
// and an HTTPS client that trusts exactly that listener's certificate.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { custody } from './cli.ts';
import { startCustodyServer, type RunningServer } from './custody-server.ts';
import { ADMIN_PASSWORD, writeTestConfig, type VaultOptions } from './vault.ts';

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

export interface WebRequestOptions {
  method?: string;
  /** An object is sent as JSON (unless `contentType` says otherwise); a string or Buffer as is. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** The `Cookie` header (a signed-in session's `cookie`). */
  cookie?: string;
}

/** A signed-in browser: its cookie and CSRF token, and a request function that sends both. */
export interface WebSignedIn {
  cookie: string;
  csrfToken: string;
  request(pathname: string, o?: WebRequestOptions): Promise<WebResponse>;
}

export interface WebBastion {
  home: string;
  server: RunningServer;
  sshPort: number;
  webPort: number;
  /** `https://127.0.0.1:PORT` */
  baseUrl: string;
  /** The listener's certificate (PEM): pass as `ca` to a Node https client. */
  certPem: string;
  /** Its SHA-256 fingerprint as the server printed it. */
  fingerprint: string;
  /** One HTTPS request, trusting only this listener's certificate. */
  request(pathname: string, o?: WebRequestOptions): Promise<WebResponse>;
  /** Password, then the TOTP code when the user has TOTP (`totp` returns the current code). */
  signIn(username: string, password: string, totp?: () => string): Promise<WebSignedIn>;
  /** Runs `custody --home HOME ARGS…` (as the host administrator) against the same home. */
  cli(args: string[], input?: string): ReturnType<typeof custody>;
  stop(): Promise<void>;
}

/**
 * `custody init` in a fresh home (admin's password ADMIN_PASSWORD), `prepare` (e.g. users added
 * through the CLI), then `custody server --ssh-port 0 --web-port 0`.
 */
export async function startWebBastion(
  o: VaultOptions & { prepare?: (b: Pick<WebBastion, 'home' | 'cli'>) => Promise<void> } = {},
): Promise<WebBastion> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'custody-web-'));
  const cli = (args: string[], input?: string) => custody(['--home', home, ...args], { input });
  await writeTestConfig(home, o);
  await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
  const init = await cli(['init', '--admin-password-file', path.join(home, 'admin.pw')]);
  if (init.code !== 0) throw new Error(`custody init failed: ${init.stderr}`);
  await o.prepare?.({ home, cli });
  const server = await startCustodyServer(home, ['--ssh-port', '0', '--web-port', '0']);
  const webLine = /^web listening on [^\s:]+:(\d+) \(certificate SHA-256 ([0-9A-F:]+)\)$/m;
  for (let i = 0; i < 200 && !webLine.test(server.output()); i++) await new Promise((r) => setTimeout(r, 25));
  const m = webLine.exec(server.output());
  if (!m) {
    await server.stop();
    throw new Error(`no web listening line:\n${server.output()}`);
  }
  const certPem = await readFile(path.join(home, 'keys', 'web-tls-cert.pem'), 'utf8');
  if (new X509Certificate(certPem).fingerprint256 !== m[2])
    throw new Error('printed fingerprint differs from keys/');
  const webPort = Number(m[1]);
  const request = (pathname: string, ro: WebRequestOptions = {}) =>
    webRequest(webPort, certPem, pathname, ro);
  return {
    home,
    server,
    sshPort: server.port,
    webPort,
    baseUrl: `https://127.0.0.1:${webPort}`,
    certPem,
    fingerprint: m[2]!,
    request,
    cli,
    signIn: (username, password, totp) => signIn(request, username, password, totp),
    stop: async () => {
      await server.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function signIn(
  request: WebBastion['request'],
  username: string,
  password: string,
  totp?: () => string,
): Promise<WebSignedIn> {
  let r = await request('/signin', { method: 'POST', body: { username, password } });
  if (r.status === 200 && (r.json as { next?: string }).next === 'totp') {
    if (!totp) throw new Error(`${username} has TOTP: pass a code source`);
    r = await request('/signin/code', { method: 'POST', body: { code: totp() }, cookie: cookiesOf(r) });
  }
  if (r.status !== 200) throw new Error(`sign-in of ${username} failed: ${r.status} ${r.body}`);
  const cookie = cookiesOf(r);
  const csrfToken = (r.json as { csrfToken: string }).csrfToken;
  return {
    cookie,
    csrfToken,
    request: (pathname, o = {}) =>
      request(pathname, {
        ...o,
        cookie: o.cookie ?? cookie,
        headers: { 'x-csrf-token': csrfToken, ...o.headers },
      }),
  };
}

/** The `Cookie` header a browser would send back after this response (cleared cookies left out). */
export function cookiesOf(r: WebResponse): string {
  const set = r.headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [set] : [];
  return list
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ');
}

export function webRequest(
  port: number,
  certPem: string,
  pathname: string,
  o: WebRequestOptions = {},
): Promise<WebResponse> {
  const body =
    o.body === undefined
      ? undefined
      : typeof o.body === 'string' || Buffer.isBuffer(o.body)
        ? Buffer.from(o.body)
        : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string> = { ...o.headers };
  if (body) {
    headers['content-type'] ??= o.contentType ?? 'application/json';
    headers['content-length'] = String(body.length);
  }
  if (o.cookie) headers.cookie = o.cookie;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: pathname, method: o.method ?? 'GET', headers, ca: certPem },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
