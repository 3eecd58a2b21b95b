// The desktop session's vocabulary on the gateway side: the target as the RDP engine hands it
// over, the framebuffer and the recording as the session uses them, and the operator's viewer.
// Each is the few calls the session makes, so the engine, the decoder and the recorder plug in
// by their own names and tests can stand in for any of them.
import type {
  DesktopFramebuffer,
  DesktopRecorder,
  FramebufferFactory,
  SessionGrant,
} from '../../../core/index.ts';
import type { LogonNotice } from '../../../protocols/rdp/logon-info.ts';
import type { BitmapRect, DesktopInput, DesktopSize } from '../../../protocols/rdp/types.ts';

/** An RDP session the engine opened: screen updates out, operator input in. */
export interface DesktopTarget {
  /** The desktop the server actually gave (it may ignore the size asked for). */
  readonly size: DesktopSize;
  onBitmap(cb: (rects: BitmapRect[]) => void): void;
  input(ev: DesktopInput): void;
  /** The server's logon notification (Save Session Info), where the server sends one. */
  onLogon?(cb: (notice: LogonNotice) => void): void;
  /** Virtual channels joined; absent or empty: none (the clipboard is then unavailable). */
  readonly channels?: readonly string[];
  onChannel?(fn: (name: string, message: Uint8Array | undefined, tooLong?: number) => void): void;
  sendChannel?(name: string, message: Uint8Array): boolean;
  /**
   * Asks the server to resize this same connection's desktop (Display Control, where the server
   * has it); true when asked, and the new size then comes through `onServerResize`. Absent or
   * false: the server cannot be asked, a resize reconnects.
   */
  requestSize?(size: DesktopSize): boolean;
  /** The server resized the desktop on this connection (its reactivation at the new size). */
  onServerResize?(cb: (size: DesktopSize) => void): void;
  /** Ends the session and its connection; `done` resolves soon after. Idempotent. */
  close(): void;
  /** Resolves (never rejects) when the session is over, with the one line why. */
  readonly done: Promise<{ reason: string }>;
}

/** The clipboard's static virtual channel (MS-RDPECLIP). */
export const CLIPRDR_CHANNEL = 'cliprdr';

/** The dynamic virtual channels' static channel (MS-RDPEDYC): Display Control travels on it. */
export const DRDYNVC_CHANNEL = 'drdynvc';

/**
 * Reaches an RDP target for a grant: through its landing servers (pushing the ones used onto
 * `route`), the certificate checked against its pin, logged in with the vaulted credential.
 * Rejects with a one-line CustodyError, never naming a secret.
 */
export type DesktopDialer = (
  grant: SessionGrant,
  size: DesktopSize,
  route: string[],
) => Promise<DesktopTarget>;

// The framebuffer and the recording are core's shapes (the decoder's Framebuffer and core's
// DesktopWriter fit them); named here too so the session's files import one vocabulary.
export type { DesktopFramebuffer, FramebufferFactory };
export type DesktopRecording = DesktopRecorder;

/** Opens the session's recording once the target answered, at the desktop's size. */
export type DesktopRecordingOpener = (
  grant: SessionGrant,
  size: DesktopSize,
  source: string,
) => Promise<DesktopRecording>;

/** The operator's viewer (a WebSocket): frames out, input in. */
export interface DesktopOperator {
  /** A viewer-protocol frame; the viewer drops what it cannot keep up with and resynchronises. */
  send(frame: Uint8Array): void;
  onInput(cb: (ev: DesktopInput) => void): void;
  /** The operator's window changed size: the desktop size now wanted, as sent (unchecked). */
  onResize(cb: (size: DesktopSize) => void): void;
  /** The operator went away (closed the tab, lost the network). */
  onGone(cb: () => void): void;
  /** Shows `reason` as the session's end and closes the viewer. Idempotent. */
  end(reason: string): void;
  notice(text: string): void;
  /** Text the browser wants on the target's clipboard (the session decides whether it crosses). */
  onClipboard?(cb: (text: string) => void): void;
  /** What the viewer may offer: the policy in force (off when the target has no clipboard channel). */
  clipboardPolicy?(policy: 'off' | 'to-target' | 'from-target' | 'both'): void;
  /** Text from the target's clipboard for the browser. */
  clipboard?(text: string): void;
  /** Where a viewer that fell behind gets the whole current screen (a KEYFRAME frame). */
  resyncFrom(keyframe: () => Uint8Array): void;
}
