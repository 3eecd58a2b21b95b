// An RDP session as the lifecycle runs it (../lifecycle.ts): registered live as `opening`, the
// target dialled through the grant's landing servers by the desktop dialer, confirmed, the
// desktop recording opened at the size the server gave, then the desktop data path until either
// side ends it. Access control, check-out expiry, idle and maximum duration, terminate and the
// audit rows are the lifecycle's, exactly as for terminal sessions.
import { TargetError, type SessionGrant } from '../../../core/index.ts';
import { encodeResize } from '../../../protocols/rdp/viewer-protocol.ts';
import type { BitmapRect, DesktopSize } from '../../../protocols/rdp/types.ts';
import type { GatewayRuntime } from '../channel-session.ts';
import { runLifecycle, type OpenedTarget } from '../lifecycle.ts';
import { DesktopLink } from './desktop-link.ts';
import { DEFAULT_CLIPBOARD_MAX_BYTES } from './clipboard.ts';
import { startDesktopPath } from './path.ts';
import { DesktopScreen } from './screen.ts';
import type {
  DesktopDialer,
  DesktopOperator,
  DesktopRecordingOpener,
  DesktopTarget,
  FramebufferFactory,
} from './types.ts';

/** What the gateway holds once for every desktop session, besides the common runtime. */
export interface DesktopRuntime extends Omit<GatewayRuntime, 'connectors'> {
  dial: DesktopDialer;
  framebuffer: FramebufferFactory;
  openRecording: DesktopRecordingOpener;
}

export interface DesktopSessionRequest extends DesktopRuntime {
  grant: SessionGrant;
  operator: DesktopOperator;
  /** The desktop size asked for, already within DESKTOP_LIMITS. */
  size: DesktopSize;
  source: string;
}

/** Runs one authorised RDP session end to end; resolves when it is over, never rejects. */
export async function runDesktopSession(r: DesktopSessionRequest): Promise<void> {
  let ended = false;
  r.operator.onGone(() => (ended = true));
  await runLifecycle(r, {
    kind: 'desktop',
    mode: 'desktop',
    open: (route) => openDesktop(r, route, () => ended),
    refused: (message) => r.operator.end(message),
  });
}

async function openDesktop(
  r: DesktopSessionRequest,
  route: string[],
  gone: () => boolean,
): Promise<OpenedTarget> {
  const first = heldBack(await r.dial(r.grant, r.size, route));
  // The operator closed the tab while the target was being reached: nothing to run it for.
  if (gone()) {
    first.close();
    throw new TargetError('the viewer closed before the desktop opened');
  }
  // A reconnect goes through the grant's landing servers again; their failovers are audited then,
  // the route on the session's rows stays the one it started on.
  const target = new DesktopLink(first, (size) => r.dial(r.grant, size, []), r.timers);
  const screen = new DesktopScreen(r.framebuffer, target.size);
  let recording: Awaited<ReturnType<DesktopRecordingOpener>> | undefined;
  return {
    openRecorder: async () => (recording = await r.openRecording(r.grant, target.size, r.source)),
    start: (ctx) => {
      r.operator.send(encodeResize(target.size.width, target.size.height));
      return startDesktopPath({
        ctx,
        operator: r.operator,
        target,
        screen,
        recorder: recording!,
        timers: r.timers,
        asked: r.size,
        clipboard: {
          policy: r.grant.target.clipboard ?? 'off',
          maxTextBytes: r.settings.clipboardMaxBytes ?? DEFAULT_CLIPBOARD_MAX_BYTES,
          audit: (t, allowed) =>
            void r.core.system.sessions
              .record(r.grant, 'session.clipboard', { ...t }, allowed ? 'success' : 'denied')
              .catch((e: unknown) =>
                r.logger.log('warn', 'clipboard audit row failed', { error: String(e) }),
              ),
        },
      });
    },
    close: () => target.close(),
  };
}

/**
 * The target with its first updates held back until the data path listens: the server starts
 * drawing as soon as the session is up, while the recording is still being opened, and a screen
 * missing its first updates stays wrong until the server happens to redraw.
 */
function heldBack(target: DesktopTarget): DesktopTarget {
  let early: BitmapRect[][] | undefined = [];
  let deliver: ((rects: BitmapRect[]) => void) | undefined;
  target.onBitmap((rects) => (deliver ? deliver(rects) : early?.push(rects)));
  return {
    // read through: Display Control resizes the desktop on the same connection
    get size() {
      return target.size;
    },
    input: (ev) => target.input(ev),
    close: () => target.close(),
    done: target.done,
    onLogon: (cb) => target.onLogon?.(cb),
    ...(target.channels ? { channels: target.channels } : {}),
    ...(target.onChannel ? { onChannel: target.onChannel.bind(target) } : {}),
    ...(target.sendChannel ? { sendChannel: target.sendChannel.bind(target) } : {}),
    ...(target.requestSize ? { requestSize: target.requestSize.bind(target) } : {}),
    ...(target.onServerResize ? { onServerResize: target.onServerResize.bind(target) } : {}),
    onBitmap: (cb) => {
      deliver = cb;
      for (const rects of early ?? []) cb(rects);
      early = undefined;
    },
  };
}
