import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Actor } from '../../core/index.ts';
import type { WebReply } from './reply.ts';

/**
 * Who may reach a route:
 * - `public`: anyone (sign-in page, health checks); no actor.
 * - `session`: a signed-in browser (cookie); a state change also needs the session's CSRF token.
 * - `session-admin`: the same, and the user's role is `admin`.
 * - `apikey`: `Authorization: Bearer KEY`, checked by the listener's `authenticateApiKey` hook.
 */
export type RouteAuth = 'public' | 'session' | 'session-admin' | 'apikey';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler is given. `actor` is set for every auth but `public`: hand it to `core.as(actor)`. */
export interface WebRequest {
  method: HttpMethod;
  /** The decoded path, without the query. */
  path: string;
  /** `:name` segments of the pattern, decoded (never containing `/`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The peer address, for audit rows and rate limits. */
  source: string;
  actor?: Actor;
  /** The browser session's CSRF token (session routes), for pages that render a form. */
  csrfToken?: string;
  /** The browser session id (session routes), e.g. for sign-out. */
  sessionId?: string;
  /**
   * The body as JSON (`application/json`) or a form (`application/x-www-form-urlencoded`, as an
   * object of strings), bounded in size; a wrong type, an oversized or malformed body is an
   * E_USAGE error. Undefined for an empty body.
   */
  body(): Promise<unknown>;
  raw: IncomingMessage;
}

export type RouteHandler = (req: WebRequest) => Promise<WebReply> | WebReply;

export interface RouteSpec {
  method: HttpMethod;
  /** `/api/v1/passwords/:resource/:account`: literal segments and `:param` segments. */
  path: string;
  auth: RouteAuth;
  handler: RouteHandler;
  /** The largest body accepted, in bytes (default 64 KiB). */
  maxBodyBytes?: number;
}

/** A WebSocket endpoint: the same auth as routes (session ones also check the Origin). */
export interface UpgradeSpec {
  path: string;
  auth: RouteAuth;
  /** Sub-protocols offered, first match wins (e.g. asciinema-player's `v2.asciicast`). */
  protocols?: readonly string[];
  handler: (ws: WebSocket, req: Omit<WebRequest, 'body' | 'method'>) => void | Promise<void>;
}

interface Compiled<S> {
  spec: S;
  segments: string[];
}

export interface RouteMatch<S> {
  spec: S;
  params: Record<string, string>;
}

/**
 * The listener's routes. Other rooms register theirs through a `WebRouteModule`; two routes with
 * the same method and shape are a start-up error, not a silent shadowing.
 */
export class Router {
  readonly #routes: Compiled<RouteSpec>[] = [];
  readonly #upgrades: Compiled<UpgradeSpec>[] = [];

  add(spec: RouteSpec): this {
    const segments = split(spec.path);
    const shape = shapeOf(segments);
    if (this.#routes.some((r) => r.spec.method === spec.method && shapeOf(r.segments) === shape))
      throw new Error(`web route ${spec.method} ${spec.path} is registered twice`);
    this.#routes.push({ spec, segments });
    return this;
  }

  upgrade(spec: UpgradeSpec): this {
    const segments = split(spec.path);
    if (this.#upgrades.some((r) => shapeOf(r.segments) === shapeOf(segments)))
      throw new Error(`web socket ${spec.path} is registered twice`);
    this.#upgrades.push({ spec, segments });
    return this;
  }

  /** The route for a method and path; `allowed` lists the methods the path has when none matches. */
  match(method: string, path: string): { route?: RouteMatch<RouteSpec>; pathKnown: boolean } {
    const parts = split(path);
    let pathKnown = false;
    for (const r of this.#routes) {
      const params = bind(r.segments, parts);
      if (!params) continue;
      pathKnown = true;
      if (r.spec.method === method || (method === 'HEAD' && r.spec.method === 'GET'))
        return { route: { spec: r.spec, params }, pathKnown };
    }
    return { pathKnown };
  }

  matchUpgrade(path: string): RouteMatch<UpgradeSpec> | undefined {
    const parts = split(path);
    for (const r of this.#upgrades) {
      const params = bind(r.segments, parts);
      if (params) return { spec: r.spec, params };
    }
    return undefined;
  }

  /** Every registered route (for the OpenAPI check against the real routes). */
  routes(): readonly RouteSpec[] {
    return this.#routes.map((r) => r.spec);
  }
}

/** What another room exports to put its routes on the listener. */
export type WebRouteModule = (router: Router) => void;

/** Kept so that an unknown socket path can be answered before the upgrade. */
export type UpgradeSocket = Duplex;

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function shapeOf(segments: string[]): string {
  return segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/');
}

function bind(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = parts[i]!;
    else if (p !== parts[i]) return undefined;
  }
  return params;
}
