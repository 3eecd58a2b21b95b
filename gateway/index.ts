// The gateway room's public entry for the composition root (cli/).
export { startGateway, type GatewayOptions, type RunningGateway } from './ssh-server/server.ts';
export { ensureHostKey } from './ssh-server/host-key.ts';
// GET /metrics, /healthz and /readyz, for the web listener's router.
export {
  opsRoutes,
  opsHandlerFor,
  OPS_PATHS,
  type OpsHandler,
  type OpsRequest,
  type OpsResponse,
  type OpsRouteOptions,
} from './ops/ops-routes.ts';
export { opsRouteModule } from './ops/ops-module.ts';
export type { GatewaySettings } from './session/types.ts';
// The landing-server hop chain, for the reset room's routes (cli/route-dialer.ts wires it in).
export { openChain } from './hops/chain.ts';
// Set-up phase timestamps for the gateway benchmark (a diagnostics channel; nothing when unwatched).
export { SETUP_PHASE_CHANNEL, type SetupPhase, type SetupPhaseMessage } from './setup-phases.ts';
// The HTTPS listener (sign-in, pages, REST API, WebSockets) and its route registration API.
export * from './web/index.ts';
// The REST API under /api/v1 (API keys, password retrieval, the workflow), mounted on that listener.
export { createRestApi, type RestApi } from './web/api/index.ts';
// The RDP viewer (page, socket, shadow) on the same listener.
export { rdpWebModule, type RdpModuleOptions } from './web/rdp/rdp-module.ts';
export type {
  DesktopDialer,
  DesktopTarget,
  DesktopFramebuffer,
  DesktopRecording,
} from './session/desktop/types.ts';
