import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBitmap } from '../../../protocols/rdp/codec/index.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import { encodePlanar } from '../../support/rdp-planar-encoder.ts';

// The RDP 6.0 planar codec for 32 bpp (MS-RDPEGDI 2.2.2.5.1 and 3.1.9.2).

function planar(width: number, height: number, bytes: ArrayLike<number>): BitmapRect {
  return {
    left: 0,
    top: 0,
    right: width - 1,
    bottom: height - 1,
    width,
    height,
    bpp: 32,
    compressed: true,
    data: Uint8Array.from(bytes),
  };
}

/** One channel of the decoded picture, top-down. */
function channel(rgba: Uint8ClampedArray, offset: number): number[] {
  const values: number[] = [];
  for (let i = offset; i < rgba.length; i += 4) values.push(rgba[i]!);
  return values;
}

// The specification's worked example of one 6x3 plane (3.1.9.2.3): absolute values on the first
// scanline, deltas on the others.
const specPlane = [
  0x13, 0xff, 0x20, 0xfe, 0xfd, 0x60, 0x01, 0x7d, 0xf5, 0xc2, 0x9a, 0x38, 0x60, 0x01, 0x67, 0x8b, 0xa3, 0x78,
  0xaf,
];
// Stream scanlines: [255,255,255,255,254,253], then deltas -1,-63,-123,+97,+77,+28, then
// -1,-52,-70,-82,+60,-88 (each mod 256). The picture shows them bottom-up.
const specRows = [
  [255, 255, 255, 255, 254, 253],
  [254, 192, 132, 96, 75, 25],
  [253, 140, 62, 14, 135, 193],
];

describe('planar 32 bpp', () => {
  it("decodes the specification's worked example in every plane, bottom scanline first", () => {
    const data = [0x10 | 0x20, ...specPlane, ...specPlane, ...specPlane];
    const rgba = decodeBitmap(planar(6, 3, data));
    const topDown = [...specRows].reverse().flat();
    expect(channel(rgba, 0)).toEqual(topDown);
    expect(channel(rgba, 1)).toEqual(topDown);
    expect(channel(rgba, 2)).toEqual(topDown);
    expect(channel(rgba, 3)).toEqual(Array(18).fill(255));
  });

  it('keeps the alpha plane when NoAlpha is clear, and plane order is alpha, red, green, blue', () => {
    // 6x1 planes: one raw value and a run of 3 of it, then two raw values.
    const constant = (v: number): number[] => [0x13, v, 0x20, v, v];
    const data = [0x10, ...constant(9), ...constant(1), ...constant(2), ...constant(3)];
    expect(Array.from(decodeBitmap(planar(6, 1, data)))).toEqual(Array(6).fill([1, 2, 3, 9]).flat());
  });

  it('raw planes, with or without alpha, with or without the pad byte', () => {
    const rgba = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    for (const pad of [false, true]) {
      expect(
        Array.from(decodeBitmap(planar(2, 2, encodePlanar(rgba, 2, 2, { rle: false, alpha: true, pad })))),
      ).toEqual(rgba);
      const opaque = rgba.map((v, i) => (i % 4 === 3 ? 255 : v));
      expect(
        Array.from(decodeBitmap(planar(2, 2, encodePlanar(rgba, 2, 2, { rle: false, alpha: false, pad })))),
      ).toEqual(opaque);
    }
    // Raw planes are bottom-up too: the first plane byte is the bottom-left pixel.
    const bytes = [0x20, 10, 11, 20, 21, 30, 31];
    expect(Array.from(decodeBitmap(planar(1, 2, bytes)))).toEqual([11, 21, 31, 255, 10, 20, 30, 255]);
  });

  it('long runs: run length 1 and 2 in the control byte mean 16 and 32 plus the high nibble, with no raw bytes', () => {
    // One scanline of 66 sevens: raw [7] with a run of 15 (16 values), a run-only segment of
    // 16 + 2 (control 0x21), then one of 32 + 0 (control 0x02).
    const row = [0x1f, 7, 0x21, 0x02];
    const data = [0x30, ...row, ...row, ...row];
    const rgba = decodeBitmap(planar(66, 1, data));
    expect(channel(rgba, 0)).toEqual(Array(66).fill(7));
  });

  it('a run-only segment at the start of a scanline repeats zero', () => {
    const data = [0x30, ...[0x04], ...[0x04], ...[0x04]];
    expect(channel(decodeBitmap(planar(4, 1, data)), 0)).toEqual([0, 0, 0, 0]);
  });

  it('refuses colour loss and chroma subsampling instead of drawing wrong colours', () => {
    for (const header of [0x11, 0x13, 0x18, 0x19]) {
      expect(() => decodeBitmap(planar(2, 2, [header, 0, 0, 0, 0]))).toThrow(
        expect.objectContaining({ code: 'RDP_CODEC_UNSUPPORTED' }),
      );
    }
  });

  it('refuses a zero control byte, a segment past its scanline, and planes cut short', () => {
    expect(() => decodeBitmap(planar(4, 1, [0x30, 0x00]))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_BAD_ORDER' }),
    );
    expect(() => decodeBitmap(planar(4, 2, [0x30, 0x15, 1]))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_OVERRUN' }),
    );
    expect(() => decodeBitmap(planar(4, 1, [0x30, 0x40, 1, 2]))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_TRUNCATED' }),
    );
    expect(() => decodeBitmap(planar(4, 1, [0x30, 0x13, 1]))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_TRUNCATED' }),
    );
    expect(() => decodeBitmap(planar(4, 1, []))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_TRUNCATED' }),
    );
    expect(() => decodeBitmap(planar(2, 2, [0x00, 1, 2, 3]))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_TRUNCATED' }),
    );
  });

  it('round trip: any picture through the test encoder, RLE or raw, with or without alpha', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        (width, height, rle, alpha, levels, choices) => {
          // Few levels and repeated rows so runs and zero deltas occur, as on real desktops.
          const rgba: number[] = [];
          for (let i = 0; i < width * height * 4; i++) {
            const c = choices[i % 64]! + Math.floor(i / 64);
            rgba.push(c % 3 === 0 && i >= width * 4 ? rgba[i - width * 4]! : levels[c % levels.length]!);
          }
          const expected = alpha ? rgba : rgba.map((v, i) => (i % 4 === 3 ? 255 : v));
          const decoded = decodeBitmap(
            planar(width, height, encodePlanar(rgba, width, height, { rle, alpha })),
          );
          expect(Array.from(decoded)).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
