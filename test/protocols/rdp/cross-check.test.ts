import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBitmap } from '../../../protocols/rdp/codec/index.ts';
import { bundledRgba } from '../../support/bundled-rle.ts';
import {
  encodeInterleaved,
  InterleavedWriter,
  type InterleavedDepth,
} from '../../support/rdp-bitmap-encoder.ts';
import { encodePlanar } from '../../support/rdp-planar-encoder.ts';
import { formPickerArbitrary, pictureArbitrary } from '../../support/rdp-pictures.ts';

// The same streams through node-rdpjs's bundled decoder (rdesktop's bitmap.c) and ours: two
// independent implementations must agree on every pixel.

describe.each([15, 16, 24] as const)('interleaved %i bpp against the bundled decoder', (bpp) => {
  it('agrees pixel for pixel on random pictures', () => {
    fc.assert(
      fc.property(pictureArbitrary(bpp), formPickerArbitrary, ({ width, height, pixels }, pick) => {
        const data = encodeInterleaved(pixels, width, height, bpp, pick);
        const ours = decodeBitmap({
          left: 0,
          top: 0,
          right: width - 1,
          bottom: height - 1,
          width,
          height,
          bpp,
          compressed: true,
          data,
        });
        expect(Array.from(ours)).toEqual(Array.from(bundledRgba(bpp, width, height, data)));
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * One stream with every order, every length form and both first-scanline cases. It fills the
 * 16x23 bitmap exactly: the bundled decoder leaves pixels a stream does not reach as whatever
 * its heap held, so only complete streams can be compared.
 */
function everyOrder(bpp: InterleavedDepth, a: number, b: number): InterleavedWriter {
  return (
    new InterleavedWriter(bpp)
      // First scanline (16 wide): background runs with the inserted pixel, foreground runs,
      // a bit-mask image, white and black.
      .bgRun(2)
      .bgRun(2, 'mega')
      .fgRun(2)
      .fgbgImage(8, [0b10010110])
      .white()
      .black()
      // Second scanline and on.
      .colorImage([a, b, a, b, a, b, a, b])
      .colorRun(8, b)
      .bgRun(3)
      .bgRun(5, 'mega')
      .fgRun(4)
      .fgRun(4, 'mega')
      .setFgRun(4, a)
      .setFgRun(4, b, 'mega')
      .fgRun(40, 'extended')
      .dithered(4, a, b)
      .dithered(20, b, a, 'extended')
      .dithered(4, a, b, 'mega')
      .fgbgImage(16, [0x5a, 0xa5])
      .fgbgImage(5, [0b10101], 'extended')
      .fgbgImage(11, [0xff, 0b101], 'mega')
      .setFgFgbgImage(8, b, [0x33])
      .setFgFgbgImage(7, a, [0x44], 'extended')
      .setFgFgbgImage(9, b, [0x81, 1], 'mega')
      .specialFgbg1()
      .specialFgbg2()
      .white()
      .black()
      .colorRun(40, a, 'extended')
      .colorRun(20, b, 'mega')
      .colorImage(Array(33).fill(a), 'extended')
      .colorImage([b, a, b], 'mega')
      .bgRun(40, 'extended')
      .colorRun(6, b)
  );
}

describe.each([
  [15, 0x7c1f, 0x03e0],
  [16, 0xf81f, 0x07e0],
  [24, 0xff00ff, 0x00ff00],
] as const)('every order at %i bpp against the bundled decoder', (bpp, a, b) => {
  it('agrees pixel for pixel on a stream using every order and form', () => {
    const data = everyOrder(bpp, a, b).build();
    const width = 16;
    const height = 23;
    const ours = decodeBitmap({
      left: 0,
      top: 0,
      right: width - 1,
      bottom: height - 1,
      width,
      height,
      bpp,
      compressed: true,
      data,
    });
    const theirs = bundledRgba(bpp, width, height, data);
    expect(Array.from(ours)).toEqual(Array.from(theirs));
    // And the stream really filled most of the picture, so the comparison covers it.
    expect(ours.filter((_, i) => i % 4 === 0 && ours[i] !== 0).length).toBeGreaterThan(100);
  });
});

describe('planar 32 bpp against the bundled decoder', () => {
  it('agrees on colour for random pictures (it forces alpha to 255)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 32, maxLength: 32 }),
        (width, height, levels, choices) => {
          const rgba: number[] = [];
          for (let i = 0; i < width * height * 4; i++) {
            const c = choices[i % 32]! + Math.floor(i / 32);
            rgba.push(c % 3 === 0 && i >= width * 4 ? rgba[i - width * 4]! : levels[c % levels.length]!);
          }
          const data = encodePlanar(rgba, width, height, { rle: true, alpha: true });
          const ours = decodeBitmap({
            left: 0,
            top: 0,
            right: width - 1,
            bottom: height - 1,
            width,
            height,
            bpp: 32,
            compressed: true,
            data,
          });
          const theirs = bundledRgba(32, width, height, data);
          const opaque = Array.from(ours).map((v, i) => (i % 4 === 3 ? 255 : v));
          expect(opaque).toEqual(Array.from(theirs));
          expect(Array.from(ours)).toEqual(rgba);
        },
      ),
      { numRuns: 300 },
    );
  });
});
