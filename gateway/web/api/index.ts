// The REST API's entry for whatever hosts it (the web listener's router, a test host): the
// routes, and one handler that authenticates, limits refused keys and answers in JSON.
import {
  systemClock,
  type ActorCore,
  type Actor,
  type Clock,
  type CustodyConfig,
  type Logger,
  type SystemOps,
} from '../../../core/index.ts';
import { createApiHandler, type ApiCall, type ApiResponse } from './api-handler.ts';
import { allApiRoutes } from './openapi.ts';
import { RefusalLimiter } from './refusal-limiter.ts';
import type { ApiRoute } from './route.ts';

export type { ApiCall, ApiResponse } from './api-handler.ts';
export { errorBody } from './api-handler.ts';
export type { ApiRoute } from './route.ts';

export interface RestApi {
  /** Every route, the OpenAPI document's own included, as mounted. */
  routes: readonly ApiRoute[];
  handle(call: ApiCall): Promise<ApiResponse>;
}

/** The API over a core, with the SSH door's per-address limit on refused keys. */
export function createRestApi(o: {
  core: { as(actor: Actor): ActorCore; readonly system: Pick<SystemOps, 'authenticateApiKey'> };
  config: Readonly<CustodyConfig>;
  logger: Logger;
  version: string;
  clock?: Clock;
}): RestApi {
  const routes = allApiRoutes(o.version);
  const limiter = new RefusalLimiter(
    o.clock ?? systemClock,
    o.config.security.lockout_source_attempts,
    o.config.security.lockout_minutes * 60_000,
  );
  const handle = createApiHandler({
    routes,
    system: o.core.system,
    as: (a) => o.core.as(a),
    logger: o.logger,
    limiter,
  });
  return { routes, handle };
}
