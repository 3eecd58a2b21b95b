import { describe, expect, it } from 'vitest';
import { decodeBitmap, RdpCodecError } from '../../../protocols/rdp/codec/index.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import {
  expectedRgba,
  InterleavedWriter,
  whiteOf,
  type InterleavedDepth,
} from '../../support/rdp-bitmap-encoder.ts';

// Golden streams for every interleaved RLE order (MS-RDPBCGR 2.2.9.1.1.3.1.2.4 and the decoder
// in 3.1.9), at every depth. Each expectation is written out pixel by pixel from the
// specification's rules, in stream order (the stream's first scanline is the picture's bottom
// row; `expectedRgba` flips and converts).

function rect(bpp: InterleavedDepth, width: number, height: number, data: Uint8Array): BitmapRect {
  return {
    left: 0,
    top: 0,
    right: width - 1,
    bottom: height - 1,
    width,
    height,
    bpp,
    compressed: true,
    data,
  };
}

function decode(
  bpp: InterleavedDepth,
  width: number,
  height: number,
  w: InterleavedWriter,
): Uint8ClampedArray {
  return decodeBitmap(rect(bpp, width, height, w.build()));
}

/** Three distinct colours per depth that are neither black nor white. */
const colours: Record<InterleavedDepth, [number, number, number]> = {
  8: [0x25, 0xc3, 0x5a],
  15: [0x7c00, 0x03e0, 0x1234],
  16: [0xf800, 0x07e0, 0x1234],
  24: [0xff0000, 0x00ff00, 0x123456],
};

const depths: InterleavedDepth[] = [8, 15, 16, 24];

describe.each(depths)('interleaved RLE at %i bpp', (bpp) => {
  const [A, B, C] = colours[bpp];
  const W = whiteOf(bpp);
  const expectPixels = (width: number, height: number, w: InterleavedWriter, natives: number[]): void => {
    expect(natives).toHaveLength(width * height);
    expect(decode(bpp, width, height, w)).toEqual(expectedRgba(natives, width, height, bpp));
  };

  it('a colour image is literal pixels, and the first stream scanline is the bottom row', () => {
    const px = [A, B, C, A, B, C, A, B];
    expectPixels(4, 2, new InterleavedWriter(bpp).colorImage(px), px);
    // Top-left pixel of the picture is the second stream scanline's first pixel.
    const rgba = decode(bpp, 4, 2, new InterleavedWriter(bpp).colorImage(px));
    const top = expectedRgba([px[4]!], 1, 1, bpp);
    expect(Array.from(rgba.subarray(0, 4))).toEqual(Array.from(top));
  });

  it('colour images in the extended and mega-mega forms', () => {
    const px = Array.from({ length: 40 }, (_, i) => [A, B, C][i % 3]!);
    expectPixels(40, 1, new InterleavedWriter(bpp).colorImage(px, 'extended'), px);
    expectPixels(40, 1, new InterleavedWriter(bpp).colorImage(px, 'mega'), px);
  });

  it('colour runs in the short, extended and mega-mega forms', () => {
    expectPixels(8, 1, new InterleavedWriter(bpp).colorRun(8, A), Array(8).fill(A));
    expectPixels(40, 1, new InterleavedWriter(bpp).colorRun(40, B, 'extended'), Array(40).fill(B));
    expectPixels(300, 1, new InterleavedWriter(bpp).colorRun(300, C, 'mega'), Array(300).fill(C));
  });

  it('a background run is black on the first scanline and copies the row above after it', () => {
    const w = new InterleavedWriter(bpp).bgRun(2).colorImage([A, B]).colorImage([C, A]).bgRun(2, 'mega');
    expectPixels(4, 2, w, [0, 0, A, B, C, A, A, B]);
    // The extended form, crossing rows: a run longer than a row copies what it just wrote.
    const long = new InterleavedWriter(bpp).colorImage([A, B, C, A]).bgRun(36, 'extended');
    expectPixels(4, 10, long, Array(10).fill([A, B, C, A]).flat());
  });

  it('two background runs in a row put the foreground colour between them', () => {
    // First scanline: the inserted pixel is the foreground colour itself (white until set).
    expectPixels(8, 1, new InterleavedWriter(bpp).bgRun(3).bgRun(5), [0, 0, 0, W, 0, 0, 0, 0]);
    // Below it: the pixel above XOR the foreground colour.
    const w = new InterleavedWriter(bpp).colorImage([A, B, C, A]).bgRun(2).bgRun(2);
    expectPixels(4, 2, w, [A, B, C, A, A, B, C ^ W, A]);
  });

  it('the inserted pixel rule restarts when the first scanline ends', () => {
    const w = new InterleavedWriter(bpp).colorImage([A, B]).bgRun(2).bgRun(4);
    expectPixels(4, 2, w, [A, B, 0, 0, A, B, 0, 0]);
  });

  it('a foreground run is the foreground colour on the first scanline and XORs it below', () => {
    const w = new InterleavedWriter(bpp).fgRun(4).colorImage([A, B]).fgRun(2, 'mega');
    expectPixels(4, 2, w, [W, W, W, W, A, B, W ^ W, W ^ W]);
    const extended = new InterleavedWriter(bpp).colorRun(32, A).fgRun(32, 'extended');
    expectPixels(32, 2, extended, [...Array(32).fill(A), ...Array(32).fill(A ^ W)]);
  });

  it('an order that starts on the first scanline is decoded as first-scanline even past its end', () => {
    // A foreground run of 6 from pixel 0 of a 4-wide bitmap: all six are the foreground colour,
    // not "above XOR foreground" for the two on the second scanline.
    const w = new InterleavedWriter(bpp).fgRun(6).colorImage([A, B]);
    expectPixels(4, 2, w, [W, W, W, W, W, W, A, B]);
  });

  it('set-foreground runs (lite and mega-mega) change the colour later foreground orders use', () => {
    const w = new InterleavedWriter(bpp).setFgRun(4, A).colorImage([B, C]).fgRun(2);
    expectPixels(4, 2, w, [A, A, A, A, B, C, A ^ A, A ^ A]);
    const mega = new InterleavedWriter(bpp).colorImage([A, B, C, A]).setFgRun(4, B, 'mega');
    expectPixels(4, 2, mega, [A, B, C, A, A ^ B, B ^ B, C ^ B, A ^ B]);
    const extended = new InterleavedWriter(bpp).setFgRun(16, C, 'extended');
    expectPixels(16, 1, extended, Array(16).fill(C));
  });

  it('dithered runs alternate two colours, two pixels a count (lite, extended and mega-mega)', () => {
    expectPixels(8, 1, new InterleavedWriter(bpp).dithered(4, A, B), [A, B, A, B, A, B, A, B]);
    expectPixels(
      32,
      1,
      new InterleavedWriter(bpp).dithered(16, C, A, 'extended'),
      Array(16).fill([C, A]).flat(),
    );
    expectPixels(6, 1, new InterleavedWriter(bpp).dithered(3, B, C, 'mega'), [B, C, B, C, B, C]);
  });

  it('bit-mask images: least significant bit first, foreground where set', () => {
    // First scanline: set bits are the foreground (white), clear bits black.
    expectPixels(8, 1, new InterleavedWriter(bpp).fgbgImage(8, [0b10100101]), [W, 0, W, 0, 0, W, 0, W]);
    // Below: set bits XOR the pixel above with the foreground, clear bits copy it.
    const row = [A, B, C, A, B, C, A, B];
    const w = new InterleavedWriter(bpp).colorImage(row).fgbgImage(8, [0b00000011]);
    expectPixels(8, 2, w, [...row, A ^ W, B ^ W, C, A, B, C, A, B]);
  });

  it('bit-mask images of a length that is not a multiple of 8 (extended) and mega-mega', () => {
    const row = [A, B, C, A, B];
    const w = new InterleavedWriter(bpp).colorImage(row).fgbgImage(5, [0b10110], 'extended');
    expectPixels(5, 2, w, [...row, A, B ^ W, C ^ W, A, B ^ W]);
    const row12 = Array(12).fill(C);
    const mega = new InterleavedWriter(bpp).colorImage(row12).fgbgImage(12, [0xff, 0b1001], 'mega');
    expectPixels(12, 2, mega, [...row12, ...Array(8).fill(C ^ W), C ^ W, C, C, C ^ W]);
  });

  it('set-foreground bit-mask images (lite short, extended and mega-mega)', () => {
    const row = [A, B, C, A, B, C, A, B];
    const w = new InterleavedWriter(bpp).colorImage(row).setFgFgbgImage(8, C, [0b11110000]);
    expectPixels(8, 2, w, [...row, A, B, C, A, B ^ C, C ^ C, A ^ C, B ^ C]);
    const ext = new InterleavedWriter(bpp).setFgFgbgImage(3, A, [0b101], 'extended');
    expectPixels(3, 1, ext, [A, 0, A]);
    const mega = new InterleavedWriter(bpp).setFgFgbgImage(8, B, [0b1], 'mega').fgRun(8);
    expectPixels(8, 2, mega, [B, 0, 0, 0, 0, 0, 0, 0, B ^ B, B, B, B, B, B, B, B]);
  });

  it('the special bit-mask orders use the fixed masks 0x03 and 0x05 with the current foreground', () => {
    const row = [A, A, A, A, A, A, A, A];
    const one = new InterleavedWriter(bpp).colorImage(row).specialFgbg1();
    expectPixels(8, 2, one, [...row, A ^ W, A ^ W, A, A, A, A, A, A]);
    const two = new InterleavedWriter(bpp).setFgRun(8, B).specialFgbg2();
    expectPixels(8, 2, two, [...Array(8).fill(B), B ^ B, B, B ^ B, B, B, B, B, B]);
  });

  it('white and black are one pixel each', () => {
    expectPixels(4, 1, new InterleavedWriter(bpp).white().black().white().colorImage([A]), [W, 0, W, A]);
  });

  it('pixels the stream does not reach are black', () => {
    expectPixels(4, 2, new InterleavedWriter(bpp).colorImage([A, B, C]), [A, B, C, 0, 0, 0, 0, 0]);
  });

  it('refuses a run that would write past the last pixel', () => {
    for (const w of [
      new InterleavedWriter(bpp).colorRun(9, A),
      new InterleavedWriter(bpp).bgRun(9),
      new InterleavedWriter(bpp).fgRun(9),
      new InterleavedWriter(bpp).dithered(5, A, B),
      new InterleavedWriter(bpp).fgbgImage(16, [1, 1]),
      new InterleavedWriter(bpp).colorRun(7, A).specialFgbg1(),
      new InterleavedWriter(bpp).colorRun(8, A).white(),
      new InterleavedWriter(bpp).colorImage(Array(9).fill(A)),
    ]) {
      expect(() => decode(bpp, 4, 2, w)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_OVERRUN' }));
    }
  });

  it('refuses an order whose data is cut short', () => {
    const cut = (w: InterleavedWriter): InterleavedWriter =>
      new InterleavedWriter(bpp).raw(...w.bytes.slice(0, -1));
    for (const w of [
      new InterleavedWriter(bpp).colorImage([A, B, C]),
      new InterleavedWriter(bpp).colorRun(3, A),
      new InterleavedWriter(bpp).setFgRun(3, A),
      new InterleavedWriter(bpp).dithered(2, A, B),
      new InterleavedWriter(bpp).fgbgImage(16, [1, 2]),
      new InterleavedWriter(bpp).setFgFgbgImage(8, A, [1]),
      new InterleavedWriter(bpp).colorRun(40, A, 'extended').raw().colorImage([A]),
    ]) {
      expect(() => decode(bpp, 8, 8, cut(w))).toThrow(
        expect.objectContaining({ code: 'RDP_CODEC_TRUNCATED' }),
      );
    }
    // A length byte or mega-mega length missing altogether.
    for (const bytes of [[0x60], [0xf3, 0x01], [0xc0], [0x40]]) {
      expect(() => decode(bpp, 8, 8, new InterleavedWriter(bpp).raw(...bytes))).toThrow(
        expect.objectContaining({ code: 'RDP_CODEC_TRUNCATED' }),
      );
    }
  });

  it('refuses the order headers the specification leaves undefined', () => {
    for (const header of [0xa0, 0xbf, 0xf5, 0xfb, 0xfc, 0xff]) {
      const error = catchError(() => decode(bpp, 8, 8, new InterleavedWriter(bpp).raw(header, 0, 0, 0, 0)));
      expect(error).toBeInstanceOf(RdpCodecError);
      expect((error as RdpCodecError).code).toBe('RDP_CODEC_BAD_ORDER');
    }
  });
});

describe('8 bpp palettes', () => {
  it('uses the 3-3-2 default palette until one is given, then the given one', () => {
    const data = new InterleavedWriter(8).colorImage([0xe0, 0x1c, 0x03, 0xff]).build();
    const r = rect(8, 4, 1, data);
    expect(Array.from(decodeBitmap(r))).toEqual([
      255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255,
    ]);
    const palette = new Uint8Array(768);
    palette.set([1, 2, 3], 0xe0 * 3);
    palette.set([4, 5, 6], 0x1c * 3);
    expect(Array.from(decodeBitmap(r, palette).subarray(0, 8))).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    expect(() => decodeBitmap(r, new Uint8Array(10))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_BAD_PALETTE' }),
    );
  });
});

describe('16 bpp scaling', () => {
  it('scales each channel as floor(value × 255 / max)', () => {
    // 0x1234 = red 2, green 17, blue 20 → 16, 68, 164.
    const data = new InterleavedWriter(16).colorImage([0x1234]).build();
    expect(Array.from(decodeBitmap(rect(16, 1, 1, data)))).toEqual([16, 68, 164, 255]);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
