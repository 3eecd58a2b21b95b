// The desktop data path: screen updates from the RDP target are drawn on the gateway's
// framebuffer, recorded, passed to the operator's viewer still compressed and published to
// shadows; the operator's input goes to the target and the recording. The lifecycle
// (../lifecycle.ts) runs it like any other path: `stop` ends it from the gateway's side,
// `ended` reports that both sides are closed.
import { encodeRects } from '../../../protocols/rdp/viewer-protocol.ts';
import type { DesktopInput } from '../../../protocols/rdp/types.ts';
import type { DataPath, PathContext } from '../paths/types.ts';
import { startClipboard, type ClipboardOptions } from './clipboard.ts';
import { HeldInput } from './held-input.ts';
import type { DesktopScreen } from './screen.ts';
import type { DesktopOperator, DesktopRecording, DesktopTarget } from './types.ts';

export interface DesktopPathOptions {
  ctx: PathContext;
  operator: DesktopOperator;
  target: DesktopTarget;
  screen: DesktopScreen;
  recorder: DesktopRecording;
  /** The resource's clipboard policy and limit, and where a transfer's audit row goes. */
  clipboard?: Pick<ClipboardOptions, 'policy' | 'maxTextBytes' | 'audit'>;
}

/** Each operator message counts as this many bytes in (for the idle clock and the Live list). */
const INPUT_BYTES = 8;

export function startDesktopPath(o: DesktopPathOptions): DataPath {
  const { ctx, operator, target, screen, recorder } = o;
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
    endReason ??= reason;
    for (const ev of held.releases()) target.input(ev);
    target.close();
  };

  operator.onGone(() => close('the viewer closed'));

  void target.done.then((d) => {
    closing = true;
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
