// The RDP viewer as one module for the web listener, assembled from the gateway's settings: the
// dialer (the registry's RDP connector over the grant's landing servers), the framebuffer (the shared
// decoder), the desktop recording, and the session clocks of ../../session/.
import type { Core, Logger, Timers } from '../../../core/index.ts';
import { Framebuffer } from '../../../protocols/rdp/codec/index.ts';
import { defaultConnectors } from '../../session/connector-registry.ts';
import { connectorDialer } from '../../session/desktop/connector-dialer.ts';
import { desktopRecordingOpener } from '../../session/desktop/recording.ts';
import type { DesktopRuntime } from '../../session/desktop/session.ts';
import type { GatewaySettings } from '../../session/types.ts';
import type { WebRouteModule } from '../router.ts';
import { rdpRoutes } from './rdp-routes.ts';
import type { ViewerLimits } from './operator-socket.ts';

export interface RdpModuleOptions {
  core: Core;
  settings: GatewaySettings;
  logger: Logger;
  timers: Timers;
  /** Replace the engine, the decoder or the recorder (tests stand in for a server). */
  dial?: DesktopRuntime['dial'];
  framebuffer?: DesktopRuntime['framebuffer'];
  openRecording?: DesktopRuntime['openRecording'];
  limits?: ViewerLimits;
}

export function rdpWebModule(o: RdpModuleOptions): WebRouteModule {
  const framebuffer = o.framebuffer ?? ((w: number, h: number) => new Framebuffer(w, h));
  const runtime: DesktopRuntime = {
    core: o.core,
    settings: o.settings,
    logger: o.logger,
    timers: o.timers,
    live: o.core.system.liveRegistry,
    dial: o.dial ?? connectorDialer(o.core, defaultConnectors(o.settings), o.settings.connectTimeoutMs),
    framebuffer,
    openRecording:
      o.openRecording ?? desktopRecordingOpener(o.core, o.settings, framebuffer, () => o.timers.now()),
  };
  return rdpRoutes({ core: o.core, runtime, ...(o.limits ? { limits: o.limits } : {}) });
}
