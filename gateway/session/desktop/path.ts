// The desktop data path: screen updates from the RDP target are drawn on the gateway's
// framebuffer, recorded, passed to the operator's viewer still compressed and published to
// shadows; the operator's input goes to the target and the recording. The lifecycle
// (../lifecycle.ts) runs it like any other path: `stop` ends it from the gateway's side,
// `ended` reports that both sides are closed. A resize of the operator's window resizes the
// target's desktop through Display Control where the server has it, else reconnects at the new
// size (./desktop-link.ts); either way rate-limited (./resize-limiter.ts).
import type { Timers } from '../../../core/index.ts';
import { encodeRects, encodeResize } from '../../../protocols/rdp/viewer-protocol.ts';
import type { DesktopInput, DesktopSize } from '../../../protocols/rdp/types.ts';
import type { DataPath, PathContext } from '../paths/types.ts';
import type { LogonFailure } from '../../../protocols/rdp/logon-info.ts';
import type { DesktopLink } from './desktop-link.ts';
import { requestedSize } from './desktop-size.ts';
import { startClipboard, type ClipboardOptions } from './clipboard.ts';
import { HeldInput } from './held-input.ts';
import { ResizeLimiter } from './resize-limiter.ts';
import type { DesktopScreen } from './screen.ts';
import type { DesktopOperator, DesktopRecording } from './types.ts';

export interface DesktopPathOptions {
  ctx: PathContext;
  operator: DesktopOperator;
  target: DesktopLink;
  screen: DesktopScreen;
  recorder: DesktopRecording;
  timers: Timers;
  /**
   * The size first asked for: a server that gave another one keeps its own desktop size whatever
   * the client asks (FreeRDP's shadow server shows its X display as it is), so a resize there
   * would only log in again for nothing.
   */
  asked: DesktopSize;
  /** The resource's clipboard policy and limit, and where a transfer's audit row goes. */
  clipboard?: Pick<ClipboardOptions, 'policy' | 'maxTextBytes' | 'audit'>;
}

/** The one line for each failure, in the words the NLA outcomes use (../../connectors/rdp/nla.ts). */
const LOGON_FAILURE_LINES: Record<LogonFailure, string> = {
  'logon-failure': 'logon failure (wrong user name or password)',
  'password-expired': 'the password has expired and must be changed',
  other: 'the logon did not complete',
};

/** Each operator message counts as this many bytes in (for the idle clock and the Live list). */
const INPUT_BYTES = 8;

export function startDesktopPath(o: DesktopPathOptions): DataPath {
  const { ctx, operator, target, screen, recorder, timers } = o;
  const held = new HeldInput();
  let bytesIn = 0;
  let bytesOut = 0;
  let closing = false;
  let endReason: string | undefined;
  operator.resyncFrom(() => screen.keyframe());
  const clipboard = o.clipboard
    ? startClipboard({
        ...o.clipboard,
        target,
        operator,
        mark: (label) => {
          if (!closing) recorder.marker(label);
        },
      })
    : { active: false };
  operator.clipboardPolicy?.(clipboard.active ? o.clipboard!.policy : 'off');

  target.onBitmap((rects) => {
    if (closing) return;
    screen.apply(rects);
    recorder.update(rects);
    const frame = encodeRects(rects);
    bytesOut += frame.length;
    operator.send(frame);
    ctx.live.publish(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    // Screen updates do not make the session active: a desktop redraws with nobody at it (a
    // blinking caret, the taskbar clock), which would keep an abandoned desktop from ever being
    // idle. A shell's prompt is silent, so there all traffic can count; here only input does.
    ctx.counters(bytesIn, bytesOut);
  });

  operator.onInput((ev: DesktopInput) => {
    if (closing) return;
    held.track(ev);
    recorder.input(ev);
    target.input(ev);
    bytesIn += INPUT_BYTES;
    ctx.traffic(bytesIn, bytesOut);
  });

  const close = (reason: string) => {
    if (closing) return;
    closing = true;
    resizes.stop();
    endReason ??= reason;
    for (const ev of held.releases()) target.input(ev);
    target.close();
  };

  const sameSize = (a: DesktopSize, b: DesktopSize) => a.width === b.width && a.height === b.height;
  const keepsOwnSize = !sameSize(o.asked, target.size);
  const resizes = new ResizeLimiter(timers, async (size) => {
    if (closing || sameSize(size, target.size)) return;
    // On a reconnect, keys held now would stay down on the desktop being left, and their key-ups
    // would go to the new one; Display Control keeps the same desktop, so nothing is released.
    const r = await target.resize(size, () => {
      for (const ev of held.releases()) target.input(ev);
    });
    if (!r.ok && !closing)
      operator.notice(
        `the desktop stays at ${target.size.width}x${target.size.height}: ${r.reason.replace(/\.$/, '')}`,
      );
  });
  target.onResized((size) => {
    screen.resize(size);
    recorder.resize(size.width, size.height);
    recorder.marker(`desktop resized to ${size.width}x${size.height}`);
    const frame = encodeResize(size.width, size.height);
    operator.send(frame);
    ctx.live.publish(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  });
  operator.onResize((asked) => {
    if (closing) return;
    let size: DesktopSize;
    try {
      size = requestedSize(asked);
    } catch (e) {
      operator.notice((e as Error).message);
      return;
    }
    if (keepsOwnSize) {
      operator.notice(
        `the RDP server keeps its own desktop size (${target.size.width}x${target.size.height})`,
      );
      return;
    }
    resizes.request(size);
  });

  // The server's own word on the logon (Windows sends it; xrdp and FreeRDP's shadow do not): on a
  // TLS-only server it is what tells a login from a password the server turned down, which
  // otherwise shows only as the pixels of its logon dialog. Marked in the recording; a failure is
  // told to the operator, whose desktop then shows the server's logon screen.
  target.onLogon((n) => {
    if (n.kind === 'logged-on') recorder.marker('logon confirmed by the server');
    else if (n.kind === 'failed') {
      const line = LOGON_FAILURE_LINES[n.failure];
      recorder.marker(`logon failed: ${line}`);
      operator.notice(`the RDP server reports the logon failed: ${line}`);
    }
  });

  operator.onGone(() => close('the viewer closed'));

  void target.done.then((d) => {
    closing = true;
    resizes.stop();
    operator.end(endReason ?? d.reason);
    ctx.ended({});
  });

  return {
    stop: (reason) => {
      endReason ??= reason;
      close(reason);
    },
    warn: (text) => operator.notice(text.replace(/^[\r\n]+|[\r\n]+$/g, '').replace(/^\[custody\] /, '')),
    screen: () => {
      const k = screen.keyframe();
      return Buffer.from(k.buffer, k.byteOffset, k.byteLength);
    },
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
  };
}
