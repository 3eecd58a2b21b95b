// The viewer's WebSocket frames: what the gateway encodes the browser decodes unchanged, and a
// browser's frame is refused unless it is exactly one of the few input messages.
import { describe, expect, it } from 'vitest';
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeEnd,
  encodeHello,
  encodeInput,
  encodeKeyframe,
  encodeRects,
  encodeResize,
  encodeResizeRequest,
  MAX_CLIENT_MESSAGE_BYTES,
  ViewerProtocolError,
} from '../../../protocols/rdp/viewer-protocol.ts';
import { mappedCodes, scancodeOf } from '../../../protocols/rdp/scancodes.ts';
import type { BitmapRect, DesktopInput } from '../../../protocols/rdp/types.ts';
import { HeldInput } from '../../../gateway/session/desktop/held-input.ts';

const rect = (left: number, data: number[], compressed = true): BitmapRect => ({
  left,
  top: 2,
  right: left + 3,
  bottom: 5,
  width: 4,
  height: 4,
  bpp: 16,
  compressed,
  data: Uint8Array.from(data),
});

describe('viewer protocol', () => {
  it('rectangles pass through byte for byte, compressed flag and all', () => {
    const rects = [rect(0, [1, 2, 3]), rect(700, [], false), rect(4000, [9, 8, 7, 6, 5])];
    const m = decodeServerMessage(encodeRects(rects));
    expect(m).toEqual({ type: 'rects', rects });
  });

  it('keyframes, resizes and ends round-trip', () => {
    expect(decodeServerMessage(encodeKeyframe(1920, 1080, Uint8Array.of(7, 7)))).toEqual({
      type: 'keyframe',
      width: 1920,
      height: 1080,
      deflated: Uint8Array.of(7, 7),
    });
    expect(decodeServerMessage(encodeResize(800, 600))).toEqual({ type: 'resize', width: 800, height: 600 });
    expect(decodeServerMessage(encodeEnd('terminated by admin: done ✓'))).toEqual({
      type: 'end',
      reason: 'terminated by admin: done ✓',
    });
  });

  it('a truncated or padded rectangle frame is refused, not read past', () => {
    const good = encodeRects([rect(0, [1, 2, 3, 4])]);
    for (let n = 1; n < good.length; n++)
      expect(() => decodeServerMessage(good.subarray(0, n))).toThrow(ViewerProtocolError);
    expect(() => decodeServerMessage(Uint8Array.of(...good, 0))).toThrow(ViewerProtocolError);
  });

  it('every input message round-trips', () => {
    const inputs: DesktopInput[] = [
      { kind: 'key', scancode: 0x1e, extended: false, down: true },
      { kind: 'key', scancode: 0x4d, extended: true, down: false },
      { kind: 'move', x: 4095, y: 2159 },
      { kind: 'button', button: 3, down: true, x: 1, y: 2 },
      { kind: 'wheel', delta: -120, x: 10, y: 20 },
    ];
    for (const input of inputs)
      expect(decodeClientMessage(encodeInput(input))).toEqual({ type: 'input', input });
    expect(decodeClientMessage(encodeHello({ width: 1280, height: 720 }))).toEqual({
      type: 'hello',
      size: { width: 1280, height: 720 },
    });
    expect(decodeClientMessage(encodeResizeRequest({ width: 1600, height: 1000 }))).toEqual({
      type: 'resize',
      size: { width: 1600, height: 1000 },
    });
  });

  it('a browser frame of the wrong length, type or values is refused', () => {
    const bad = [
      new Uint8Array(0),
      new Uint8Array(MAX_CLIENT_MESSAGE_BYTES + 1),
      Uint8Array.of(0x01, 0, 0),
      Uint8Array.of(0x82, 0, 0x1e, 0),
      Uint8Array.of(0x82, 4, 0x1e),
      Uint8Array.of(0x84, 4, 1, 0, 0, 0, 0),
      Uint8Array.of(0x84, 1, 2, 0, 0, 0, 0),
      Uint8Array.of(0x83, 0, 0, 0),
      Uint8Array.of(0x86, 4, 0, 2),
    ];
    for (const f of bad)
      expect(() => decodeClientMessage(f), `frame ${Array.from(f)}`).toThrow(ViewerProtocolError);
  });
});

describe('scancodes by physical key', () => {
  it('letters, digits and the extended keys have their set-1 codes', () => {
    expect(scancodeOf('KeyA')).toEqual({ scancode: 0x1e, extended: false });
    expect(scancodeOf('KeyZ')).toEqual({ scancode: 0x2c, extended: false });
    expect(scancodeOf('Digit0')).toEqual({ scancode: 0x0b, extended: false });
    expect(scancodeOf('Enter')).toEqual({ scancode: 0x1c, extended: false });
    expect(scancodeOf('NumpadEnter')).toEqual({ scancode: 0x1c, extended: true });
    expect(scancodeOf('ControlRight')).toEqual({ scancode: 0x1d, extended: true });
    expect(scancodeOf('ArrowUp')).toEqual({ scancode: 0x48, extended: true });
    expect(scancodeOf('toString')).toBeUndefined();
    expect(scancodeOf('MediaPlayPause')).toBeUndefined();
  });

  it('no two keys share a code', () => {
    const seen = new Set(mappedCodes().map((c) => JSON.stringify(scancodeOf(c))));
    expect(seen.size).toBe(mappedCodes().length);
  });
});

describe('held input', () => {
  it('releases exactly what is still down, once', () => {
    const h = new HeldInput();
    h.track({ kind: 'key', scancode: 0x1d, extended: false, down: true });
    h.track({ kind: 'key', scancode: 0x1d, extended: true, down: true });
    h.track({ kind: 'key', scancode: 0x1e, extended: false, down: true });
    h.track({ kind: 'key', scancode: 0x1e, extended: false, down: false });
    h.track({ kind: 'button', button: 1, down: true, x: 5, y: 6 });
    h.track({ kind: 'move', x: 50, y: 60 });
    expect(h.releases()).toEqual([
      { kind: 'key', scancode: 0x1d, extended: false, down: false },
      { kind: 'key', scancode: 0x1d, extended: true, down: false },
      { kind: 'button', button: 1, down: false, x: 50, y: 60 },
    ]);
    expect(h.releases()).toEqual([]);
  });
});
