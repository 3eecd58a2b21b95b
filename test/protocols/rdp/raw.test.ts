import { describe, expect, it } from 'vitest';
import { decodeBitmap, decodeBitmapInto } from '../../../protocols/rdp/codec/index.ts';
import type { BitmapRect, BitsPerPixel } from '../../../protocols/rdp/types.ts';

// Uncompressed bitmaps (TS_BITMAP_DATA without compression): scanlines bottom-up, each padded
// to a multiple of four bytes; pixel bytes little-endian (24 and 32 bpp are blue, green, red).

function raw(bpp: BitsPerPixel, width: number, height: number, bytes: number[]): BitmapRect {
  return {
    left: 0,
    top: 0,
    right: width - 1,
    bottom: height - 1,
    width,
    height,
    bpp,
    compressed: false,
    data: Uint8Array.from(bytes),
  };
}

describe('raw bitmaps', () => {
  it('16 bpp: 3 pixels a row are 6 bytes padded to 8, bottom row first', () => {
    const data = [
      // bottom row: red, green, blue, pad
      0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xaa, 0xaa,
      // top row: white, black, white, pad
      0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xaa, 0xaa,
    ];
    expect(Array.from(decodeBitmap(raw(16, 3, 2, data)))).toEqual([
      255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255,
    ]);
  });

  it('15 bpp uses five bits a channel', () => {
    expect(Array.from(decodeBitmap(raw(15, 2, 1, [0x00, 0x7c, 0x1f, 0x00])))).toEqual([
      255, 0, 0, 255, 0, 0, 255, 255,
    ]);
  });

  it('24 bpp: blue, green, red; a 3-pixel row is 9 bytes padded to 12', () => {
    const data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 0, 0];
    expect(Array.from(decodeBitmap(raw(24, 3, 2, data)))).toEqual([
      12, 11, 10, 255, 15, 14, 13, 255, 18, 17, 16, 255, 3, 2, 1, 255, 6, 5, 4, 255, 9, 8, 7, 255,
    ]);
  });

  it('32 bpp: blue, green, red and an unused byte, drawn opaque', () => {
    expect(Array.from(decodeBitmap(raw(32, 1, 2, [1, 2, 3, 0, 4, 5, 6, 7])))).toEqual([
      6, 5, 4, 255, 3, 2, 1, 255,
    ]);
  });

  it('8 bpp: a palette index a pixel, rows padded to four', () => {
    const palette = new Uint8Array(768);
    palette.set([9, 8, 7], 5 * 3);
    const data = [5, 0, 0, 0];
    expect(Array.from(decodeBitmap(raw(8, 1, 1, data), palette))).toEqual([9, 8, 7, 255]);
  });

  it('refuses data shorter than its padded rows', () => {
    expect(() => decodeBitmap(raw(16, 3, 2, Array(15).fill(0)))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_BAD_LENGTH' }),
    );
  });
});

describe('sizes are checked before anything is allocated', () => {
  it.each([
    [0, 1],
    [1, 0],
    [4097, 1],
    [1, 4097],
    [1.5, 2],
    [-4, 4],
  ])('%s x %s is refused', (width, height) => {
    const r = { ...raw(16, 1, 1, [0, 0, 0, 0]), width, height };
    expect(() => decodeBitmap(r)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_BAD_SIZE' }));
  });

  it('a data length no encoder produces is refused', () => {
    const r = { ...raw(16, 1, 1, []), compressed: true, data: new Uint8Array(70_000) };
    expect(() => decodeBitmap(r)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_BAD_LENGTH' }));
  });

  it('an unknown colour depth is refused', () => {
    const r = { ...raw(16, 1, 1, [0, 0, 0, 0]), bpp: 12 as BitsPerPixel };
    expect(() => decodeBitmap(r)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_BAD_DEPTH' }));
  });

  it('decodeBitmapInto needs a buffer of exactly width × height × 4, and handles a misaligned one', () => {
    const r = raw(24, 1, 1, [1, 2, 3, 0]);
    expect(() => decodeBitmapInto(r, new Uint8ClampedArray(8))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_BAD_OUTPUT' }),
    );
    const backing = new Uint8ClampedArray(5);
    decodeBitmapInto(r, backing.subarray(1));
    expect(Array.from(backing)).toEqual([0, 3, 2, 1, 255]);
  });
});
