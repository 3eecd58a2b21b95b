import type { Core, CustodyConfig } from '../core/index.ts';
import type { AuthenticateApiKey, WebRouteModule } from '../gateway/index.ts';

/**
 * What the composition root mounts on the web listener besides its own sign-in and pages: one
 * line per room (REST API, metrics and health). Kept apart from server.ts so each room adds its
 * line here without touching the server's start-up.
 */
export function webRouteModules(_core: Core, _config: Readonly<CustodyConfig>): WebRouteModule[] {
  return [];
}

/** The bearer-key check behind `apikey` routes; undefined until API keys exist (every such route is 401). */
export function webApiKeyAuthenticator(_core: Core): AuthenticateApiKey | undefined {
  return undefined;
}
