import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  actorFor,
  AuthError,
  ForbiddenError,
  NotFoundError,
  UsageError,
  firstLine,
  type Actor,
  type Clock,
  type Core,
  type Logger,
} from '../../core/index.ts';
import { readBody, DEFAULT_MAX_BODY_BYTES } from './body.ts';
import { parseCookies, SESSION_COOKIE } from './cookies.ts';
import { errorReply, type WebReply } from './reply.ts';
import { Router, type HttpMethod, type RouteAuth, type WebRequest, type WebRouteModule } from './router.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { WebSessions, type WebSession } from './web-sessions.ts';
import { livePages } from './live-pages.ts';
import { desktopPlayerRoutes } from './desktop-player-routes.ts';
import { pageRoutes } from './pages.ts';
import { signInRoutes } from './sign-in-routes.ts';

/**
 * The api room's hook: the actor a bearer key acts as, or an AuthError (401) for a bad, revoked or
 * expired key. Until one is given every `apikey` route answers 401.
 */
export type AuthenticateApiKey = (key: string, source: string) => Promise<Actor>;

export interface WebListenerOptions {
  core: Core;
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string; fingerprint: string };
  logger: Logger;
  clock: Clock;
  sessionMinutes: number;
  /** Route modules of other rooms (REST API, metrics, viewers), registered after the listener's own. */
  modules?: readonly WebRouteModule[];
  authenticateApiKey?: AuthenticateApiKey;
}

export interface RunningWebListener {
  host: string;
  port: number;
  fingerprint: string;
  router: Router;
  sessions: WebSessions;
  close(): Promise<void>;
}

const METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const STATE_CHANGING = new Set<string>(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The HTTPS listener: HTTPS only, every response with the security headers. */
export async function startWebListener(o: WebListenerOptions): Promise<RunningWebListener> {
  const router = new Router();
  const sessions = new WebSessions(o.clock, o.sessionMinutes * 60_000);
  signInRoutes({ core: o.core, sessions, sessionMinutes: o.sessionMinutes })(router);
  pageRoutes({ core: o.core, sessions, sessionMinutes: o.sessionMinutes })(router);
  livePages({ core: o.core, clock: o.clock })(router);
  desktopPlayerRoutes({ core: o.core })(router);
  for (const m of o.modules ?? []) m(router);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (offered, req) => {
      const want = router.matchUpgrade(pathOf(req.url))?.spec.protocols ?? [];
      return want.find((p) => offered.has(p)) ?? false;
    },
  });

  const authenticate = async (
    auth: RouteAuth,
    req: IncomingMessage,
    source: string,
    method: string,
    csrf: () => Promise<string | undefined>,
  ): Promise<{ actor?: Actor; session?: WebSession }> => {
    if (auth === 'public') return {};
    if (auth === 'apikey') {
      const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
      if (!m || !o.authenticateApiKey) throw new AuthError('a valid API key is required');
      return { actor: await o.authenticateApiKey(m[1]!, source) };
    }
    const session = sessions.find(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    if (!session) throw new AuthError('sign in first (no valid session cookie)', { reason: 'no-session' });
    if (STATE_CHANGING.has(method) && !WebSessions.csrfMatches(session, await csrf()))
      throw new AuthError('the request lacks this session’s CSRF token', { reason: 'csrf' });
    if (auth === 'session-admin' && session.user.role !== 'admin')
      throw new ForbiddenError('administrators only');
    return { actor: actorFor(session.user, source), session };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const source = req.socket.remoteAddress ?? 'unknown';
    let reply: WebReply;
    try {
      const method = req.method ?? '';
      if (!METHODS.has(method)) throw new UsageError(`method ${printableMethod(method)} is not supported`);
      // The raw path, not URL's normalised one: `/a/%2e%2e/b` must be refused, not resolved to `/b`.
      const rawPath = pathOf(req.url);
      const path = decodePath(rawPath);
      const query = queryOf(req.url);
      const { route, pathKnown } = router.match(method, path);
      if (!route) {
        if (pathKnown) throw new UsageError(`method ${method} is not allowed on ${rawPath.slice(0, 200)}`);
        throw new NotFoundError('page', rawPath.slice(0, 200));
      }
      // The body is read once: the CSRF check (a form field) and the handler share it.
      let parsed: Promise<unknown> | undefined;
      const body = () => (parsed ??= readBody(req, route.spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
      const csrf = async () => {
        const header = req.headers['x-csrf-token'];
        if (typeof header === 'string') return header;
        const b = await body();
        return b && typeof b === 'object' && typeof (b as { csrf?: unknown }).csrf === 'string'
          ? (b as { csrf: string }).csrf
          : undefined;
      };
      // A browser posting from another site (a forged sign-in form, say) says so: refused. Scripts
      // and API clients send neither header; a browser under Referrer-Policy no-referrer sends
      // `Origin: null` on its own forms, so Sec-Fetch-Site is what tells them apart.
      if (STATE_CHANGING.has(method) && fromAnotherSite(req))
        throw new ForbiddenError('a request from another origin', { reason: 'origin' });
      const who = await authenticate(route.spec.auth, req, source, method, csrf);
      const webReq: WebRequest = {
        method: method as HttpMethod,
        path,
        params: route.params,
        query,
        headers: req.headers,
        source,
        actor: who.actor,
        csrfToken: who.session?.csrfToken,
        sessionId: who.session?.id,
        body,
        raw: req,
      };
      reply = await route.spec.handler(webReq);
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('E_')))
        o.logger.log('error', 'web request failed unexpectedly', { message: firstLine(e) });
      reply = errorReply(e);
    }
    write(res, reply, req.method === 'HEAD');
  };

  const server: Server = createServer(
    { cert: o.tls.certPem, key: o.tls.keyPem, minVersion: 'TLSv1.2' },
    (req, res) => void handle(req, res),
  );
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const source = req.socket.remoteAddress ?? 'unknown';
    void (async () => {
      try {
        const path = decodePath(pathOf(req.url));
        const match = router.matchUpgrade(path);
        if (!match) throw new NotFoundError('socket', path.slice(0, 200));
        // A browser sends its cookie with a cross-site socket too: only this origin's pages may open one.
        if (match.spec.auth.startsWith('session') && !sameOrigin(req))
          throw new ForbiddenError('cross-origin socket');
        const who = await authenticate(match.spec.auth, req, source, 'GET', async () => undefined);
        wss.handleUpgrade(req, socket, head, (ws) => {
          void Promise.resolve(
            match.spec.handler(ws, {
              path,
              params: match.params,
              query: queryOf(req.url),
              headers: req.headers,
              source,
              actor: who.actor,
              csrfToken: who.session?.csrfToken,
              sessionId: who.session?.id,
              raw: req,
            }),
          ).catch((e: unknown) => {
            o.logger.log('error', 'web socket handler failed', { message: firstLine(e) });
            ws.close(1011, 'internal error');
          });
        });
      } catch (e) {
        const r = errorReply(e);
        socket.end(
          `HTTP/1.1 ${r.status} Refused\r\nContent-Type: ${r.contentType}\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\nConnection: close\r\n\r\n${r.body.toString()}`,
        );
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    host: addr.address,
    port: addr.port,
    fingerprint: o.tls.fingerprint,
    router,
    sessions,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function write(res: ServerResponse, reply: WebReply, headOnly: boolean): void {
  if (res.headersSent) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.setHeader('content-type', reply.contentType);
  res.setHeader('content-length', body.length);
  res.writeHead(reply.status);
  res.end(headOnly ? undefined : body);
}

function pathOf(url: string | undefined): string {
  const p = (url ?? '/').split('?')[0]!;
  if (!p.startsWith('/')) throw new UsageError('the request target must be a path', { reason: 'path' });
  return p;
}

function queryOf(url: string | undefined): URLSearchParams {
  const q = (url ?? '').indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url!.slice(q + 1));
}

/** Percent-decoded; a malformed escape, a NUL, or a `..`/`.` segment is refused (no traversal). */
function decodePath(raw: string): string {
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    throw new UsageError('the request path is not valid percent-encoding', { reason: 'path' });
  }
  if (hasControlOrBackslash(p) || p.split('/').some((s) => s === '..' || s === '.'))
    throw new UsageError('the request path is not allowed', { reason: 'path' });
  return p;
}

function fromAnotherSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  return origin !== undefined && origin !== 'null' && !sameOrigin(req);
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  return !!origin && !!host && origin === `https://${host}`;
}

function printableMethod(m: string): string {
  return /^[A-Z]{1,10}$/.test(m) ? m : '(unknown)';
}

function hasControlOrBackslash(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}
