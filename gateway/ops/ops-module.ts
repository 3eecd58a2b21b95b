import type { Router, WebRouteModule } from '../web/router.ts';
import { opsRoutes, OPS_PATHS, type OpsRouteOptions } from './ops-routes.ts';

/**
 * Mounts /metrics, /healthz and /readyz on the web listener. All three are `public` to the
 * listener: the probes need no sign-in by design, and /metrics does its own check (the
 * `[metrics] allow_from` list) on the peer address the listener saw.
 */
export function opsRouteModule(o: OpsRouteOptions): WebRouteModule {
  const routes = opsRoutes(o);
  return (router: Router) => {
    for (const path of OPS_PATHS)
      router.add({
        method: 'GET',
        path,
        auth: 'public',
        handler: async (req) => {
          const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
          const r = await routes[path]({
            method: req.method,
            path,
            remoteAddress: req.source,
            ...(bearer ? { bearer } : {}),
          });
          const { 'content-type': contentType = 'text/plain; charset=utf-8', ...headers } = r.headers;
          return { status: r.status, headers, body: r.body, contentType };
        },
      });
  };
}
