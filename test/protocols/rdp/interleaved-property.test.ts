import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBitmap } from '../../../protocols/rdp/codec/index.ts';
import { encodeInterleaved, expectedRgba } from '../../support/rdp-bitmap-encoder.ts';
import { formPickerArbitrary, pictureArbitrary } from '../../support/rdp-pictures.ts';

// Any picture, encoded by the test encoder with randomly chosen length forms, decodes back to
// itself.

describe.each([8, 15, 16, 24] as const)('interleaved round trip at %i bpp', (bpp) => {
  it('decode(encode(picture)) is the picture', () => {
    fc.assert(
      fc.property(pictureArbitrary(bpp), formPickerArbitrary, ({ width, height, pixels }, pick) => {
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
