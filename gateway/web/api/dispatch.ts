import { AuthError, type ActorCore } from '../../../core/index.ts';
import { bodyFields, queryValues } from './input.ts';
import type { ApiResult, ApiRoute, RawApiRequest } from './route.ts';

/**
 * Runs one route on a request as the router decoded it: the query and the body are checked
 * against the route's declaration first (so a malformed request reaches no core operation and
 * writes nothing), then the handler runs. A POST without a body counts as `{}`; a GET with one
 * is refused, as a client sending data the route ignores has misunderstood it.
 */
export async function dispatch(route: ApiRoute, raw: RawApiRequest): Promise<ApiResult> {
  const query = queryValues(raw.query, route.query ?? []);
  const body = route.method === 'GET' ? noBody(raw.body) : bodyFields(raw.body ?? {}, route.body ?? []);
  if (route.auth === 'apikey' && !raw.me)
    throw new AuthError('an API key is required: Authorization: Bearer KEY');
  return route.handle({ params: raw.params, query, body, me: raw.me ?? NOBODY });
}

function noBody(body: unknown): Record<string, never> {
  if (body !== undefined) return bodyFields(body, []) as Record<string, never>;
  return {};
}

/** A public route's `me`: it acts for no one, so any use of it is refused. */
const NOBODY = new Proxy(
  {},
  {
    get() {
      throw new AuthError('an API key is required: Authorization: Bearer KEY');
    },
  },
) as ActorCore;
