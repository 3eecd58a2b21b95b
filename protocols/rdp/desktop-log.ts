/**
 * The event log of a desktop recording: what the server painted (its bitmap rectangles, exactly
 * as sent), what the operator did (keys as scancodes, pointer, wheel) and when the desktop changed
 * size, one length-prefixed binary event after another. The gateway writes it (deflated, inside
 * the encrypted recording container) and the recording player decodes it in the browser, so this
 * file uses `Uint8Array` and `DataView` only. docs/auditors/recording-format.md is the
 * specification.
 *
 * An event (integers big-endian):
 *   type u8 · time u32 (milliseconds since the recording started) · length u32 · body
 * Bodies:
 *   rect    left u16, top u16, right u16, bottom u16, width u16, height u16, bpp u8,
 *           flags u8 (bit 0: compressed), then the bitmap bytes as the server sent them
 *   key     scancode u16, flags u8 (bit 0: extended, bit 1: down)
 *   move    x u16, y u16
 *   button  button u8, down u8, x u16, y u16
 *   wheel   delta i16, x u16, y u16
 *   resize  width u16, height u16
 * A reader skips an event type it does not know (its length says how far), so later versions can
 * add events without breaking older players.
 */
import type { BitmapRect, BitsPerPixel, DesktopInput } from './types.ts';

export const DESKTOP_EVENT = { rect: 1, key: 2, move: 3, button: 4, wheel: 5, resize: 6 } as const;

export const EVENT_HEAD_BYTES = 9;
const RECT_HEAD_BYTES = 14;

export type DesktopEvent =
  | { t: number; kind: 'rect'; rect: BitmapRect }
  | { t: number; kind: 'input'; input: DesktopInput }
  | { t: number; kind: 'resize'; width: number; height: number };

const BPPS: readonly number[] = [8, 15, 16, 24, 32];

function head(type: number, tMs: number, length: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(EVENT_HEAD_BYTES + length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, type);
  view.setUint32(1, tMs >>> 0);
  view.setUint32(5, length);
  return { bytes, view };
}

const u16 = (n: number) => Math.max(0, Math.min(0xffff, Math.round(n)));

/** One event's bytes. `tMs` is the time since the recording started, in whole milliseconds. */
export function encodeDesktopEvent(ev: DesktopEvent, tMs: number): Uint8Array {
  if (ev.kind === 'rect') {
    const r = ev.rect;
    const { bytes, view } = head(DESKTOP_EVENT.rect, tMs, RECT_HEAD_BYTES + r.data.length);
    const at = EVENT_HEAD_BYTES;
    view.setUint16(at, u16(r.left));
    view.setUint16(at + 2, u16(r.top));
    view.setUint16(at + 4, u16(r.right));
    view.setUint16(at + 6, u16(r.bottom));
    view.setUint16(at + 8, u16(r.width));
    view.setUint16(at + 10, u16(r.height));
    view.setUint8(at + 12, r.bpp);
    view.setUint8(at + 13, r.compressed ? 1 : 0);
    bytes.set(r.data, at + RECT_HEAD_BYTES);
    return bytes;
  }
  if (ev.kind === 'resize') {
    const { bytes, view } = head(DESKTOP_EVENT.resize, tMs, 4);
    view.setUint16(EVENT_HEAD_BYTES, u16(ev.width));
    view.setUint16(EVENT_HEAD_BYTES + 2, u16(ev.height));
    return bytes;
  }
  const i = ev.input;
  const at = EVENT_HEAD_BYTES;
  switch (i.kind) {
    case 'key': {
      const { bytes, view } = head(DESKTOP_EVENT.key, tMs, 3);
      view.setUint16(at, u16(i.scancode));
      view.setUint8(at + 2, (i.extended ? 1 : 0) | (i.down ? 2 : 0));
      return bytes;
    }
    case 'move': {
      const { bytes, view } = head(DESKTOP_EVENT.move, tMs, 4);
      view.setUint16(at, u16(i.x));
      view.setUint16(at + 2, u16(i.y));
      return bytes;
    }
    case 'button': {
      const { bytes, view } = head(DESKTOP_EVENT.button, tMs, 6);
      view.setUint8(at, i.button);
      view.setUint8(at + 1, i.down ? 1 : 0);
      view.setUint16(at + 2, u16(i.x));
      view.setUint16(at + 4, u16(i.y));
      return bytes;
    }
    case 'wheel': {
      const { bytes, view } = head(DESKTOP_EVENT.wheel, tMs, 6);
      view.setInt16(at, Math.max(-0x8000, Math.min(0x7fff, Math.round(i.delta))));
      view.setUint16(at + 2, u16(i.x));
      view.setUint16(at + 4, u16(i.y));
      return bytes;
    }
  }
}

export class DesktopLogError extends Error {
  readonly code = 'desktop-log-damaged';
}

/**
 * The events of a log, in order. A log that ends inside an event, or a body too short for its
 * type, is damage: it throws `DesktopLogError` (the container's authentication makes that a bug or
 * a foreign writer, never a crash: a crash loses whole chunks).
 */
export function* decodeDesktopEvents(log: Uint8Array): Generator<DesktopEvent> {
  const view = new DataView(log.buffer, log.byteOffset, log.byteLength);
  let at = 0;
  while (at < log.length) {
    if (at + EVENT_HEAD_BYTES > log.length) throw new DesktopLogError('the event log ends inside an event');
    const type = view.getUint8(at);
    const t = view.getUint32(at + 1) / 1000;
    const length = view.getUint32(at + 5);
    const b = at + EVENT_HEAD_BYTES;
    if (b + length > log.length) throw new DesktopLogError('the event log ends inside an event');
    at = b + length;
    const need = (n: number) => {
      if (length < n) throw new DesktopLogError(`event type ${type} is too short`);
    };
    switch (type) {
      case DESKTOP_EVENT.rect: {
        need(RECT_HEAD_BYTES);
        const bpp = view.getUint8(b + 12);
        if (!BPPS.includes(bpp)) throw new DesktopLogError(`a rectangle of ${bpp} bits per pixel`);
        yield {
          t,
          kind: 'rect',
          rect: {
            left: view.getUint16(b),
            top: view.getUint16(b + 2),
            right: view.getUint16(b + 4),
            bottom: view.getUint16(b + 6),
            width: view.getUint16(b + 8),
            height: view.getUint16(b + 10),
            bpp: bpp as BitsPerPixel,
            compressed: (view.getUint8(b + 13) & 1) === 1,
            data: log.subarray(b + RECT_HEAD_BYTES, b + length),
          },
        };
        break;
      }
      case DESKTOP_EVENT.key: {
        need(3);
        const flags = view.getUint8(b + 2);
        yield {
          t,
          kind: 'input',
          input: {
            kind: 'key',
            scancode: view.getUint16(b),
            extended: (flags & 1) === 1,
            down: (flags & 2) === 2,
          },
        };
        break;
      }
      case DESKTOP_EVENT.move:
        need(4);
        yield { t, kind: 'input', input: { kind: 'move', x: view.getUint16(b), y: view.getUint16(b + 2) } };
        break;
      case DESKTOP_EVENT.button: {
        need(6);
        const button = view.getUint8(b);
        if (button !== 1 && button !== 2 && button !== 3) break;
        yield {
          t,
          kind: 'input',
          input: {
            kind: 'button',
            button,
            down: view.getUint8(b + 1) === 1,
            x: view.getUint16(b + 2),
            y: view.getUint16(b + 4),
          },
        };
        break;
      }
      case DESKTOP_EVENT.wheel:
        need(6);
        yield {
          t,
          kind: 'input',
          input: {
            kind: 'wheel',
            delta: view.getInt16(b),
            x: view.getUint16(b + 2),
            y: view.getUint16(b + 4),
          },
        };
        break;
      case DESKTOP_EVENT.resize:
        need(4);
        yield { t, kind: 'resize', width: view.getUint16(b), height: view.getUint16(b + 2) };
        break;
      default:
      // An event a later version added: skipped.
    }
  }
}
