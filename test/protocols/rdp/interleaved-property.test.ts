import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBitmap } from '../../../protocols/rdp/codec/index.ts';
import {
  encodeInterleaved,
  expectedRgba,
  whiteOf,
  type FormPicker,
  type InterleavedDepth,
} from '../../support/rdp-bitmap-encoder.ts';

// Any picture, encoded by the test encoder with randomly chosen length forms, decodes back to
// itself. The pictures are built from a few colours and from copies of the row above with
// changes, so every kind of order (background and foreground runs, bit-mask images, dithered
// runs, white and black) turns up, not only literals.

export function pictureArbitrary(
  bpp: InterleavedDepth,
): fc.Arbitrary<{ width: number; height: number; pixels: number[] }> {
  const white = whiteOf(bpp);
  const value = fc.integer({ min: 0, max: white });
  return fc
    .record({
      width: fc.integer({ min: 1, max: 40 }),
      height: fc.integer({ min: 1, max: 12 }),
      colours: fc.array(value, { minLength: 1, maxLength: 4 }),
      seed: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 16, maxLength: 16 }),
    })
    .map(({ width, height, colours, seed }) => {
      const palette = [0, white, ...colours];
      let state = seed.reduce((a, b) => (a * 31 + b) >>> 0, 7);
      const next = (n: number): number => {
        state = (state * 1103515245 + 12345) >>> 0;
        return (state >>> 8) % n;
      };
      const pixels: number[] = [];
      for (let i = 0; i < width * height; i++) {
        const above = i >= width ? pixels[i - width]! : undefined;
        const choice = next(10);
        if (above !== undefined && choice < 4) pixels.push(above);
        else if (above !== undefined && choice < 6) pixels.push(above ^ palette[next(palette.length)]!);
        else if (choice < 8 && i > 0) pixels.push(pixels[i - 1]!);
        else if (choice < 9 && i > 1) pixels.push(pixels[i - 2]!);
        else pixels.push(palette[next(palette.length)]!);
      }
      return { width, height, pixels: pixels.map((p) => p & white) };
    });
}

const pickerArbitrary: fc.Arbitrary<FormPicker> = fc
  .array(fc.nat(), { minLength: 1, maxLength: 64 })
  .map((choices) => {
    let i = 0;
    return (forms) => forms[choices[i++ % choices.length]! % forms.length]!;
  });

describe.each([8, 15, 16, 24] as const)('interleaved round trip at %i bpp', (bpp) => {
  it('decode(encode(picture)) is the picture', () => {
    fc.assert(
      fc.property(pictureArbitrary(bpp), pickerArbitrary, ({ width, height, pixels }, pick) => {
        const data = encodeInterleaved(pixels, width, height, bpp, pick);
        const decoded = decodeBitmap({
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
        expect(decoded).toEqual(expectedRgba(pixels, width, height, bpp));
      }),
      { numRuns: 300 },
    );
  });
});
