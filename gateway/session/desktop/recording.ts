// The desktop session's recording: core's desktop writer (the encrypted, chained container with
// periodic keyframes drawn on its own framebuffer), opened once the target answered, at the
// size the server gave and under the gateway's recording-failure policy.
import type { Core } from '../../../core/index.ts';
import type { GatewaySettings } from '../types.ts';
import type { DesktopRecordingOpener, FramebufferFactory } from './types.ts';

export function desktopRecordingOpener(
  core: Core,
  settings: Pick<GatewaySettings, 'recordingFailure'>,
  framebuffer: FramebufferFactory,
  now: () => Date,
): DesktopRecordingOpener {
  return (grant, size, source) =>
    core.system.openDesktopRecording(
      {
        sessionId: grant.id,
        user: grant.actor.name,
        target: grant.target.ref,
        protocol: grant.target.protocol,
        // A desktop has no character cells; the row keeps its pixel size in their place.
        cols: size.width,
        rows: size.height,
        source,
        startedAt: now(),
      },
      settings.recordingFailure,
      { size, framebuffer },
    );
}
