// The REST API's entry for the composition root: its routes on the web listener's router, and
// the bearer-key hook the listener calls for them (with the per-address limit on refused keys).
import {
  AuthError,
  Secret,
  systemClock,
  type ActorCore,
  type Actor,
  type Clock,
  type CustodyConfig,
  type SystemOps,
} from '../../../core/index.ts';
import type { AuthenticateApiKey, WebRouteModule } from '../index.ts';
import { mountRestApi } from './mount.ts';
import { allApiRoutes } from './openapi.ts';
import { RefusalLimiter } from './refusal-limiter.ts';
import type { ApiRoute } from './route.ts';

export type { ApiRoute } from './route.ts';

export interface RestApi {
  /** Every route, the OpenAPI document's own included, as mounted. */
  routes: readonly ApiRoute[];
  /** The routes for the web listener's router. */
  module: WebRouteModule;
  /** The listener's bearer-key hook: core's check behind the per-address limit on refusals. */
  authenticateApiKey: AuthenticateApiKey;
}

/** The API over a core, with the SSH door's per-address limit on refused keys. */
export function createRestApi(o: {
  core: { as(actor: Actor): ActorCore; readonly system: Pick<SystemOps, 'authenticateApiKey'> };
  config: Readonly<CustodyConfig>;
  version: string;
  clock?: Clock;
}): RestApi {
  const routes = allApiRoutes(o.version);
  const limiter = new RefusalLimiter(
    o.clock ?? systemClock,
    o.config.security.lockout_source_attempts,
    o.config.security.lockout_minutes * 60_000,
  );
  const authenticateApiKey: AuthenticateApiKey = async (key, source) => {
    limiter.check(source);
    const secret = Secret.fromString(key);
    try {
      return await o.core.system.authenticateApiKey(secret, source);
    } catch (e) {
      if (e instanceof AuthError) limiter.refused(source);
      throw e;
    } finally {
      secret.wipe();
    }
  };
  return { routes, authenticateApiKey, module: mountRestApi(routes, (a) => o.core.as(a)) };
}
