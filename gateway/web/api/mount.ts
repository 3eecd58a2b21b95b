import { UsageError, type ActorCore, type Actor } from '../../../core/index.ts';
import { json, type RouteSpec, type WebRequest, type WebRouteModule } from '../index.ts';
import { dispatch } from './dispatch.ts';
import type { ApiRoute } from './route.ts';

/** The API's bodies are a few short strings: 16 KiB is generous, and far below the default. */
export const API_MAX_BODY_BYTES = 16 * 1024;

/** `/api/v1/passwords/{resource}/{account}` (OpenAPI) as the router writes it (`:resource`). */
export function routerPath(path: string): string {
  return path.replace(/\{([a-z]+)\}/g, ':$1');
}

/**
 * The body as JSON only. The listener also parses HTML forms (for its pages); an API client
 * sending one has the wrong idea of the API, so it is refused here before any core call.
 */
async function jsonBody(req: WebRequest): Promise<unknown> {
  const body = await req.body();
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (body !== undefined && type !== 'application/json')
    throw new UsageError('the API takes application/json bodies only', { reason: 'content-type' });
  return body;
}

/**
 * Puts every API route on the listener's router: the listener authenticates the key (its
 * `apikey` routes call the hook createRestApi gives it), reads the bounded body and turns a
 * thrown CustodyError into the coded JSON error; the route runs as the key's user.
 */
export function mountRestApi(routes: readonly ApiRoute[], as: (actor: Actor) => ActorCore): WebRouteModule {
  return (router) => {
    for (const route of routes) {
      const spec: RouteSpec = {
        method: route.method,
        path: routerPath(route.path),
        auth: route.auth,
        maxBodyBytes: API_MAX_BODY_BYTES,
        handler: async (req) => {
          const result = await dispatch(route, {
            params: req.params,
            query: req.query,
            body: await jsonBody(req),
            ...(req.actor ? { me: as(req.actor) } : {}),
          });
          return json(result.body, result.status, { 'cache-control': 'no-store' });
        },
      };
      router.add(spec);
    }
  };
}
