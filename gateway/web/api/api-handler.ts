import {
  AuthError,
  CustodyError,
  httpStatusOf,
  NotFoundError,
  UsageError,
  ValidationError,
  firstLine,
  type ActorCore,
  type Actor,
  type Logger,
  type SystemOps,
} from '../../../core/index.ts';
import { authenticateApiKey } from './api-key-auth.ts';
import { dispatch } from './dispatch.ts';
import type { RefusalLimiter } from './refusal-limiter.ts';
import type { ApiRoute } from './route.ts';

/** One API request as any HTTP host decodes it (method, path without query, headers, body). */
export interface ApiCall {
  method: string;
  /** The path, still percent-encoded (`/api/v1/passwords/web01/root`). */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  /** The client's address as the socket reports it. */
  address: string;
  /** The parsed JSON body, undefined for none. */
  body: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Extra headers (every API answer: `Cache-Control: no-store`; a 401: `WWW-Authenticate`). */
  headers: Record<string, string>;
}

/** The only error body the API sends: the core's stable code and its one-line message. */
export function errorBody(e: unknown): { error: { code: string; message: string } } {
  if (e instanceof CustodyError) return { error: { code: e.code, message: firstLine(e.message, 500) } };
  return { error: { code: 'E_INTERNAL', message: 'internal error' } };
}

const NO_STORE = { 'cache-control': 'no-store' };

/** A compiled path pattern: `{name}` matches one non-empty segment. */
function matcher(path: string): (p: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const re = new RegExp(
    '^' +
      path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([a-z]+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      }) +
      '$',
  );
  return (p) => {
    const m = re.exec(p);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) params[names[i]!] = decodeURIComponent(m[i + 1]!);
    return params;
  };
}

/**
 * The API over any host: finds the route, authenticates the key (public routes need none), runs
 * the route as the key's user and turns every failure into the coded error body with the status
 * of core/http-status.ts. A path no route has and a route the key may not reach both answer
 * from core's own rules; a malformed percent-encoding is a 400, not a crash.
 */
export function createApiHandler(o: {
  routes: readonly ApiRoute[];
  system: Pick<SystemOps, 'authenticateApiKey'>;
  as: (actor: Actor) => ActorCore;
  logger: Logger;
  /** Refused keys per address (none: unlimited, for tests that send many on purpose). */
  limiter?: RefusalLimiter;
}) {
  const compiled = o.routes.map((route) => ({ route, match: matcher(route.path) }));
  const authenticate = async (call: ApiCall): Promise<Actor> => {
    o.limiter?.check(call.address);
    try {
      return await authenticateApiKey(o.system, call.authorization, call.address);
    } catch (e) {
      if (e instanceof AuthError) o.limiter?.refused(call.address);
      throw e;
    }
  };
  return async function handle(call: ApiCall): Promise<ApiResponse> {
    try {
      let found: { route: ApiRoute; params: Record<string, string> } | undefined;
      let pathKnown = false;
      for (const c of compiled) {
        const params = safeMatch(c.match, call.path);
        if (!params) continue;
        pathKnown = true;
        if (c.route.method === call.method) found = { route: c.route, params };
      }
      if (!found) {
        if (pathKnown) throw new UsageError(`method ${call.method.slice(0, 10)} is not allowed here`);
        throw new NotFoundError('API route', call.path.slice(0, 200));
      }
      const { route, params } = found;
      const actor = route.auth === 'apikey' ? await authenticate(call) : undefined;
      const result = await dispatch(route, {
        params,
        query: call.query,
        body: call.body,
        ...(actor ? { me: o.as(actor) } : {}),
      });
      return { status: result.status, body: result.body, headers: { ...NO_STORE } };
    } catch (e) {
      const status = httpStatusOf(e);
      if (!(e instanceof CustodyError))
        o.logger.log('error', 'api request failed', {
          path: call.path.slice(0, 200),
          error: firstLine(e, 200),
        });
      return {
        status,
        body: errorBody(e),
        headers: { ...NO_STORE, ...(status === 401 ? { 'www-authenticate': 'Bearer realm="custody"' } : {}) },
      };
    }
  };
}

function safeMatch(
  match: (p: string) => Record<string, string> | undefined,
  path: string,
): Record<string, string> | undefined {
  try {
    return match(path);
  } catch {
    throw new ValidationError('the path has a malformed percent-encoding');
  }
}
