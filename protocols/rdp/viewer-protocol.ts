/**
 * The RDP viewer's WebSocket messages, one binary frame each, shared by the gateway and the
 * browser so both ends read the same layout. The first byte names the message; integers are
 * big-endian. The gateway passes the server's rectangles through still compressed (the browser
 * decodes them with the same decoder the gateway's framebuffer uses), and sends a whole screen
 * as a keyframe when a viewer starts or has fallen behind.
 *
 * Gateway → browser:
 *   RECTS    0x01 u16 count, then per rect: u16 left top right bottom width height, u8 bpp,
 *                 u8 flags (bit 0: compressed), u32 length, the bytes
 *   KEYFRAME 0x02 u16 width, u16 height, then the screen as RGBA rows, deflate-raw compressed
 *   RESIZE   0x03 u16 width, u16 height (the desktop the server gave us; the canvas follows)
 *   NOTICE   0x04 UTF-8 text that does not end the session (recording fell back to best effort)
 *   END      0x05 UTF-8 reason: the session is over, the one line the operator is shown
 *   CLIPBOARD 0x06 UTF-8 text copied on the target (sent only when the policy lets text out)
 *   CLIPBOARD_POLICY 0x07 u8 bits (bit 0: text may go to the target, bit 1: may come from it)
 *
 * Browser → gateway (every one a few bytes; anything longer or unknown is refused):
 *   HELLO    0x81 u16 width, u16 height: the desktop size wanted (from the browser window)
 *   KEY      0x82 u8 flags (bit 0: down, bit 1: extended), u8 set-1 scancode
 *   MOVE     0x83 u16 x, u16 y
 *   BUTTON   0x84 u8 button (1 left, 2 right, 3 middle), u8 down, u16 x, u16 y
 *   WHEEL    0x85 i16 delta (120 a notch, positive away from the user), u16 x, u16 y
 *   CLIPBOARD 0x86 u8 flags (bit 0: last part), then at most CLIPBOARD_PART_BYTES of UTF-8: text
 *                 for the target's clipboard, in parts so each frame stays small; the gateway
 *                 bounds the whole and decides by the resource's policy whether it crosses
 *   RESIZE   0x87 u16 width, u16 height: the window changed, the desktop size now wanted (sent
 *                 once the window has stopped changing; the gateway checks and rate-limits it)
 */
import type { BitmapRect, BitsPerPixel, DesktopInput, DesktopSize } from './types.ts';

export const MESSAGE = {
  rects: 0x01,
  keyframe: 0x02,
  resize: 0x03,
  notice: 0x04,
  end: 0x05,
  hello: 0x81,
  key: 0x82,
  move: 0x83,
  button: 0x84,
  wheel: 0x85,
  clipboard: 0x06,
  clipboardIn: 0x86,
  clipboardPolicy: 0x07,
  resizeRequest: 0x87,
} as const;

/** The longest part of a browser's CLIPBOARD message (frames stay far below the listener's bound). */
export const CLIPBOARD_PART_BYTES = 32 * 1024;

/** No browser message is longer than this (the longest, BUTTON and WHEEL, is 7 bytes). */
export const MAX_CLIENT_MESSAGE_BYTES = 16;

/** Longest text in a NOTICE or END (the gateway's one-line reasons are far shorter). */
export const MAX_TEXT_BYTES = 1024;

export type ServerMessage =
  | { type: 'rects'; rects: BitmapRect[] }
  | { type: 'keyframe'; width: number; height: number; deflated: Uint8Array }
  | { type: 'resize'; width: number; height: number }
  | { type: 'notice'; text: string }
  | { type: 'end'; reason: string }
  | { type: 'clipboard'; text: string }
  | { type: 'clipboard-policy'; toTarget: boolean; fromTarget: boolean };

export type ClientMessage =
  | { type: 'hello'; size: DesktopSize }
  | { type: 'resize'; size: DesktopSize }
  | { type: 'input'; input: DesktopInput }
  | { type: 'clipboard'; last: boolean; part: Uint8Array };

/** A frame that does not follow the layout above; `code` is stable for tests and logs. */
export class ViewerProtocolError extends Error {
  readonly code = 'E_VIEWER_PROTOCOL';
}

const BPPS = new Set<number>([8, 15, 16, 24, 32]);
const RECT_HEADER_BYTES = 18;

export function encodeRects(rects: readonly BitmapRect[]): Uint8Array {
  let size = 3;
  for (const r of rects) size += RECT_HEADER_BYTES + r.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out[0] = MESSAGE.rects;
  v.setUint16(1, rects.length);
  let at = 3;
  for (const r of rects) {
    v.setUint16(at, r.left);
    v.setUint16(at + 2, r.top);
    v.setUint16(at + 4, r.right);
    v.setUint16(at + 6, r.bottom);
    v.setUint16(at + 8, r.width);
    v.setUint16(at + 10, r.height);
    out[at + 12] = r.bpp;
    out[at + 13] = r.compressed ? 1 : 0;
    v.setUint32(at + 14, r.data.length);
    out.set(r.data, at + RECT_HEADER_BYTES);
    at += RECT_HEADER_BYTES + r.data.length;
  }
  return out;
}

export function encodeKeyframe(width: number, height: number, deflated: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + deflated.length);
  const v = new DataView(out.buffer);
  out[0] = MESSAGE.keyframe;
  v.setUint16(1, width);
  v.setUint16(3, height);
  out.set(deflated, 5);
  return out;
}

export function encodeResize(width: number, height: number): Uint8Array {
  return sized(MESSAGE.resize, width, height);
}

export function encodeNotice(text: string): Uint8Array {
  return withText(MESSAGE.notice, text);
}

export function encodeEnd(reason: string): Uint8Array {
  return withText(MESSAGE.end, reason);
}

export function encodeClipboard(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = MESSAGE.clipboard;
  out.set(bytes, 1);
  return out;
}

export function encodeClipboardPolicy(toTarget: boolean, fromTarget: boolean): Uint8Array {
  return Uint8Array.of(MESSAGE.clipboardPolicy, (toTarget ? 1 : 0) | (fromTarget ? 2 : 0));
}

/** The browser's text for the target, as the CLIPBOARD parts it sends. */
export function encodeClipboardParts(text: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  let at = 0;
  do {
    const part = bytes.subarray(at, at + CLIPBOARD_PART_BYTES);
    at += part.length;
    const frame = new Uint8Array(2 + part.length);
    frame[0] = MESSAGE.clipboardIn;
    frame[1] = at >= bytes.length ? 1 : 0;
    frame.set(part, 2);
    out.push(frame);
  } while (at < bytes.length);
  return out;
}

export function encodeHello(size: DesktopSize): Uint8Array {
  return sized(MESSAGE.hello, size.width, size.height);
}

export function encodeResizeRequest(size: DesktopSize): Uint8Array {
  return sized(MESSAGE.resizeRequest, size.width, size.height);
}

export function encodeInput(input: DesktopInput): Uint8Array {
  switch (input.kind) {
    case 'key':
      return Uint8Array.of(
        MESSAGE.key,
        (input.down ? 1 : 0) | (input.extended ? 2 : 0),
        input.scancode & 0xff,
      );
    case 'move':
      return sized(MESSAGE.move, input.x, input.y);
    case 'button': {
      const out = new Uint8Array(7);
      const v = new DataView(out.buffer);
      out[0] = MESSAGE.button;
      out[1] = input.button;
      out[2] = input.down ? 1 : 0;
      v.setUint16(3, input.x);
      v.setUint16(5, input.y);
      return out;
    }
    case 'wheel': {
      const out = new Uint8Array(7);
      const v = new DataView(out.buffer);
      out[0] = MESSAGE.wheel;
      v.setInt16(1, Math.max(-32768, Math.min(32767, input.delta)));
      v.setUint16(3, input.x);
      v.setUint16(5, input.y);
      return out;
    }
  }
}

/** A browser's frame, checked byte for byte: the gateway trusts nothing a browser sends. */
export function decodeClientMessage(frame: Uint8Array): ClientMessage {
  if (frame[0] === MESSAGE.clipboardIn) {
    if (frame.length < 2 || frame.length > 2 + CLIPBOARD_PART_BYTES || frame[1]! > 1)
      throw new ViewerProtocolError(`a clipboard part of ${frame.length} bytes`);
    return { type: 'clipboard', last: frame[1] === 1, part: frame.subarray(2) };
  }
  if (frame.length < 1 || frame.length > MAX_CLIENT_MESSAGE_BYTES)
    throw new ViewerProtocolError(`a viewer message of ${frame.length} bytes`);
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const need = (n: number) => {
    if (frame.length !== n)
      throw new ViewerProtocolError(`message 0x${frame[0]!.toString(16)} is not ${n} bytes`);
  };
  switch (frame[0]) {
    case MESSAGE.hello:
      need(5);
      return { type: 'hello', size: { width: v.getUint16(1), height: v.getUint16(3) } };
    case MESSAGE.resizeRequest:
      need(5);
      return { type: 'resize', size: { width: v.getUint16(1), height: v.getUint16(3) } };
    case MESSAGE.key: {
      need(3);
      const flags = frame[1]!;
      if (flags > 3) throw new ViewerProtocolError('unknown key flags');
      return {
        type: 'input',
        input: { kind: 'key', down: (flags & 1) !== 0, extended: (flags & 2) !== 0, scancode: frame[2]! },
      };
    }
    case MESSAGE.move:
      need(5);
      return { type: 'input', input: { kind: 'move', x: v.getUint16(1), y: v.getUint16(3) } };
    case MESSAGE.button: {
      need(7);
      const button = frame[1]!;
      if (button !== 1 && button !== 2 && button !== 3) throw new ViewerProtocolError('unknown mouse button');
      if (frame[2]! > 1) throw new ViewerProtocolError('unknown button state');
      return {
        type: 'input',
        input: { kind: 'button', button, down: frame[2] === 1, x: v.getUint16(3), y: v.getUint16(5) },
      };
    }
    case MESSAGE.wheel:
      need(7);
      return {
        type: 'input',
        input: { kind: 'wheel', delta: v.getInt16(1), x: v.getUint16(3), y: v.getUint16(5) },
      };
    default:
      throw new ViewerProtocolError(`unknown viewer message 0x${frame[0]!.toString(16)}`);
  }
}

/** A gateway frame as the browser reads it; rect data are views into `frame`, not copies. */
export function decodeServerMessage(frame: Uint8Array): ServerMessage {
  if (frame.length < 1) throw new ViewerProtocolError('an empty frame');
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const atLeast = (n: number) => {
    if (frame.length < n) throw new ViewerProtocolError(`message 0x${frame[0]!.toString(16)} is truncated`);
  };
  switch (frame[0]) {
    case MESSAGE.rects: {
      atLeast(3);
      const count = v.getUint16(1);
      const rects: BitmapRect[] = [];
      let at = 3;
      for (let i = 0; i < count; i++) {
        atLeast(at + RECT_HEADER_BYTES);
        const bpp = frame[at + 12]!;
        if (!BPPS.has(bpp)) throw new ViewerProtocolError(`a rectangle of ${bpp} bits per pixel`);
        const length = v.getUint32(at + 14);
        const start = at + RECT_HEADER_BYTES;
        atLeast(start + length);
        rects.push({
          left: v.getUint16(at),
          top: v.getUint16(at + 2),
          right: v.getUint16(at + 4),
          bottom: v.getUint16(at + 6),
          width: v.getUint16(at + 8),
          height: v.getUint16(at + 10),
          bpp: bpp as BitsPerPixel,
          compressed: (frame[at + 13]! & 1) !== 0,
          data: frame.subarray(start, start + length),
        });
        at = start + length;
      }
      if (at !== frame.length) throw new ViewerProtocolError('bytes after the last rectangle');
      return { type: 'rects', rects };
    }
    case MESSAGE.keyframe:
      atLeast(5);
      return { type: 'keyframe', width: v.getUint16(1), height: v.getUint16(3), deflated: frame.subarray(5) };
    case MESSAGE.resize:
      if (frame.length !== 5) throw new ViewerProtocolError('a resize is 5 bytes');
      return { type: 'resize', width: v.getUint16(1), height: v.getUint16(3) };
    case MESSAGE.notice:
      return { type: 'notice', text: readText(frame) };
    case MESSAGE.end:
      return { type: 'end', reason: readText(frame) };
    case MESSAGE.clipboard:
      return { type: 'clipboard', text: new TextDecoder().decode(frame.subarray(1)) };
    case MESSAGE.clipboardPolicy:
      if (frame.length !== 2) throw new ViewerProtocolError('a clipboard policy is 2 bytes');
      return { type: 'clipboard-policy', toTarget: (frame[1]! & 1) !== 0, fromTarget: (frame[1]! & 2) !== 0 };
    default:
      throw new ViewerProtocolError(`unknown gateway message 0x${frame[0]!.toString(16)}`);
  }
}

function sized(type: number, a: number, b: number): Uint8Array {
  const out = new Uint8Array(5);
  const v = new DataView(out.buffer);
  out[0] = type;
  v.setUint16(1, a);
  v.setUint16(3, b);
  return out;
}

function withText(type: number, text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text).subarray(0, MAX_TEXT_BYTES);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = type;
  out.set(bytes, 1);
  return out;
}

function readText(frame: Uint8Array): string {
  if (frame.length - 1 > MAX_TEXT_BYTES) throw new ViewerProtocolError('a text longer than allowed');
  return new TextDecoder().decode(frame.subarray(1));
}
