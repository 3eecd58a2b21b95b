/**
 * Random pictures for the RDP decoder's property tests: a few colours, copies of the row above
 * with changes, repeats of the previous pixels, so every kind of interleaved order (background
 * and foreground runs, bit-mask images, dithered runs, white and black) turns up, not only
 * literals.
 */
import fc from 'fast-check';
import { whiteOf, type FormPicker, type InterleavedDepth } from './rdp-bitmap-encoder.ts';

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

/** Picks length forms from a random sequence, so every form of every order gets used. */
export const formPickerArbitrary: fc.Arbitrary<FormPicker> = fc
  .array(fc.nat(), { minLength: 1, maxLength: 64 })
  .map((choices) => {
    let i = 0;
    return (forms) => forms[choices[i++ % choices.length]! % forms.length]!;
  });
