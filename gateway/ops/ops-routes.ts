// The operations endpoints of the web listener: GET /metrics for Prometheus, /healthz and /readyz
// for load balancers. Plain functions of a request, so the web listener's router mounts them and
// tests call them without a socket.
import { firstLine, type Actor, type Core, type Logger, type Timers } from '../../core/index.ts';
import { AllowList } from './allow-list.ts';

export interface OpsRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  remoteAddress: string | undefined;
  /** `Authorization: Bearer KEY`, for a scraper outside the allow-list that holds an API key. */
  bearer?: string;
}

export interface OpsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface OpsRouteOptions {
  core: Core;
  /** `[metrics] allow_from`. */
  allowFrom: readonly string[];
  /** Whether this node's SSH front door is listening and not shutting down. */
  acceptingSessions: () => boolean;
  timers: Timers;
  logger: Logger;
  /**
   * Checks an API key (the web listener's hook): a scraper outside the allow-list may present a
   * key of an administrator or an auditor instead. Without it, the allow-list alone decides.
   */
  authenticateApiKey?: (key: string, source: string) => Promise<Actor>;
  /** How long /readyz waits for the store before calling it unreachable (default 2 s). */
  storageTimeoutMs?: number;
}

export const OPS_PATHS = ['/metrics', '/healthz', '/readyz'] as const;

/** A load balancer probes often: a slow database must not hold its probe for a minute. */
const DEFAULT_STORAGE_TIMEOUT_MS = 2_000;

const text = (status: number, body: string, headers: Record<string, string> = {}): OpsResponse => ({
  status,
  headers: {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  },
  body,
});

export type OpsHandler = (req: OpsRequest) => Promise<OpsResponse>;

export function opsRoutes(o: OpsRouteOptions): Record<(typeof OPS_PATHS)[number], OpsHandler> {
  const allow = new AllowList(o.allowFrom);
  const onlyGet = (req: OpsRequest) =>
    req.method === 'GET' || req.method === 'HEAD'
      ? undefined
      : text(405, 'GET only\n', { allow: 'GET, HEAD' });
  /** A valid key of someone who may watch the whole bastion (the wallboard's readers). */
  const keyAllows = async (req: OpsRequest): Promise<boolean> => {
    if (!req.bearer || !o.authenticateApiKey) return false;
    try {
      const actor = await o.authenticateApiKey(req.bearer, req.remoteAddress ?? '');
      return o.core.as(actor).can('wallboard.view');
    } catch {
      return false;
    }
  };
  return {
    '/metrics': async (req) => {
      const refused = onlyGet(req);
      if (refused) return refused;
      // The same answer whatever is wrong with the caller: nothing to tell a scanner.
      if (!allow.allows(req.remoteAddress) && !(await keyAllows(req))) return text(403, 'forbidden\n');
      try {
        const m = await o.core.system.metrics.exposition();
        return {
          status: 200,
          headers: { 'content-type': m.contentType, 'cache-control': 'no-store' },
          body: m.body,
        };
      } catch (e) {
        o.logger.log('warn', 'metrics scrape failed', { error: firstLine(e) });
        return text(503, 'metrics unavailable\n');
      }
    },
    // Unauthenticated and telling nothing but up / ready: a load balancer's probes.
    '/healthz': async (req) => onlyGet(req) ?? text(200, 'ok\n'),
    '/readyz': async (req) => {
      const refused = onlyGet(req);
      if (refused) return refused;
      const storage = await o.core.system.storageReachable(
        o.storageTimeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS,
        o.timers,
      );
      return storage && o.acceptingSessions() ? text(200, 'ready\n') : text(503, 'not ready\n');
    },
  };
}

/** The handler for `path`, or undefined when it is not an operations path (the router goes on). */
export function opsHandlerFor(
  routes: Record<(typeof OPS_PATHS)[number], OpsHandler>,
  path: string,
): OpsHandler | undefined {
  return (OPS_PATHS as readonly string[]).includes(path)
    ? routes[path as (typeof OPS_PATHS)[number]]
    : undefined;
}
