import { systemTimers, type Core, type CustodyConfig, type Logger } from '../core/index.ts';
import { opsRouteModule, type AuthenticateApiKey, type WebRouteModule } from '../gateway/index.ts';

/** What the routes need to know about the running node besides core. */
export interface NodeState {
  /** The SSH front door is listening and not shutting down (readiness). */
  acceptingSessions: () => boolean;
  logger: Logger;
}

/**
 * What the composition root mounts on the web listener besides its own sign-in and pages: one
 * line per room (REST API, metrics and health). Kept apart from server.ts so each room adds its
 * line here without touching the server's start-up.
 */
export function webRouteModules(
  core: Core,
  config: Readonly<CustodyConfig>,
  node: NodeState,
): WebRouteModule[] {
  // A scraper outside [metrics] allow_from may present an administrator's or auditor's API key.
  const apiKeys = webApiKeyAuthenticator(core);
  return [
    // GET /metrics (to [metrics] allow_from), /healthz and /readyz.
    opsRouteModule({
      core,
      allowFrom: config.metrics.allow_from,
      acceptingSessions: node.acceptingSessions,
      ...(apiKeys ? { authenticateApiKey: apiKeys } : {}),
      timers: systemTimers,
      logger: node.logger,
    }),
  ];
}

/** The bearer-key check behind `apikey` routes; undefined until API keys exist (every such route is 401). */
export function webApiKeyAuthenticator(_core: Core): AuthenticateApiKey | undefined {
  return undefined;
}
