import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT, systemTimers, type Core, type CustodyConfig, type Logger } from '../core/index.ts';
import {
  createRestApi,
  opsRouteModule,
  rdpWebModule,
  type AuthenticateApiKey,
  type GatewaySettings,
  type RestApi,
  type WebRouteModule,
} from '../gateway/index.ts';

/** The running version, as the OpenAPI document states it. */
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** What the routes need to know about the running node besides core. */
export interface NodeState {
  /** The SSH front door is listening and not shutting down (readiness). */
  acceptingSessions: () => boolean;
  logger: Logger;
  /** The session settings of this node's gateway (idle, maximum duration, recording policy). */
  settings: GatewaySettings;
}

/** One REST API per core: its routes and its bearer-key hook share the refused-key limit. */
const apis = new WeakMap<Core, RestApi>();

function restApiOf(core: Core, config: Readonly<CustodyConfig>): RestApi {
  let api = apis.get(core);
  if (!api) {
    api = createRestApi({ core, config, version: PACKAGE_VERSION });
    apis.set(core, api);
  }
  return api;
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
  return [
    restApiOf(core, config).module,
    // GET /metrics (to [metrics] allow_from, or an administrator's or auditor's API key),
    // /healthz and /readyz.
    opsRouteModule({
      core,
      allowFrom: config.metrics.allow_from,
      acceptingSessions: node.acceptingSessions,
      authenticateApiKey: webApiKeyAuthenticator(core, config),
      timers: systemTimers,
      logger: node.logger,
    }),
    // /rdp/RESOURCE/ACCOUNT: the RDP viewer, with the same session settings as the SSH door.
    rdpWebModule({ core, settings: node.settings, logger: node.logger, timers: systemTimers }),
  ];
}

/** The bearer-key check behind `apikey` routes: core's API keys, with the per-address limit. */
export function webApiKeyAuthenticator(core: Core, config: Readonly<CustodyConfig>): AuthenticateApiKey {
  return restApiOf(core, config).authenticateApiKey;
}
