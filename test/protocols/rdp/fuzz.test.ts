import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBitmapInto, Framebuffer, RdpCodecError } from '../../../protocols/rdp/codec/index.ts';
import type { BitmapRect, BitsPerPixel } from '../../../protocols/rdp/types.ts';
import { encodeInterleaved } from '../../support/rdp-bitmap-encoder.ts';
import { encodePlanar } from '../../support/rdp-planar-encoder.ts';
import { formPickerArbitrary, pictureArbitrary } from '../../support/rdp-pictures.ts';

// What a hostile or broken server can send: garbage, valid streams cut short, valid streams with
// bytes changed. The decoder either decodes or throws RdpCodecError, never anything else, and
// never touches memory outside the output it was given: the output is a window into a larger
// buffer whose guard bytes on both sides must come back unchanged.

const GUARD = 16;

function decodeGuarded(rect: BitmapRect, misaligned: boolean): void {
  const size = rect.width * rect.height * 4;
  const offset = GUARD + (misaligned ? 1 : 0);
  const backing = new Uint8ClampedArray(offset + size + GUARD).fill(0xaa);
  const out = backing.subarray(offset, offset + size);
  try {
    decodeBitmapInto(rect, out);
  } catch (error) {
    if (!(error instanceof RdpCodecError)) throw error;
    expect(typeof error.code).toBe('string');
  }
  for (let i = 0; i < offset; i++) expect(backing[i]).toBe(0xaa);
  for (let i = offset + size; i < backing.length; i++) expect(backing[i]).toBe(0xaa);
}

const depth = fc.constantFrom<BitsPerPixel>(8, 15, 16, 24, 32);

function rectOf(
  width: number,
  height: number,
  bpp: BitsPerPixel,
  compressed: boolean,
  data: Uint8Array,
): BitmapRect {
  return { left: 0, top: 0, right: width - 1, bottom: height - 1, width, height, bpp, compressed, data };
}

/** A valid compressed stream for a random picture, at a random depth. */
const validStream = fc
  .tuple(fc.constantFrom(8, 15, 16, 24, 32 as const), formPickerArbitrary, fc.boolean())
  .chain(([bpp, pick, alpha]) =>
    pictureArbitrary(bpp === 32 ? 24 : bpp).map(({ width, height, pixels }) => {
      if (bpp !== 32)
        return rectOf(width, height, bpp, true, encodeInterleaved(pixels, width, height, bpp, pick));
      const rgba = pixels.flatMap((p) => [p & 0xff, (p >> 8) & 0xff, (p >> 16) & 0xff, (p >> 4) & 0xff]);
      return rectOf(width, height, 32, true, encodePlanar(rgba, width, height, { rle: true, alpha }));
    }),
  );

describe('decoder fuzz', () => {
  it('garbage of any length at any depth, compressed or raw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 16 }),
        depth,
        fc.boolean(),
        fc.uint8Array({ maxLength: 400 }),
        fc.boolean(),
        (width, height, bpp, compressed, data, misaligned) => {
          decodeGuarded(rectOf(width, height, bpp, compressed, data), misaligned);
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('valid streams cut short anywhere', () => {
    fc.assert(
      fc.property(validStream, fc.nat(), fc.boolean(), (rect, cut, misaligned) => {
        decodeGuarded({ ...rect, data: rect.data.subarray(0, cut % (rect.data.length + 1)) }, misaligned);
      }),
      { numRuns: 2000 },
    );
  });

  it('valid streams with bytes changed', () => {
    fc.assert(
      fc.property(
        validStream,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (rect, edits, misaligned) => {
          const data = rect.data.slice();
          for (const [at, value] of edits) if (data.length > 0) data[at % data.length] = value;
          decodeGuarded({ ...rect, data }, misaligned);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a framebuffer survives any rectangle and keeps its size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 100 }),
        fc.integer({ min: -50, max: 100 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 16 }),
        depth,
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        (left, top, width, height, bpp, compressed, data) => {
          const fb = new Framebuffer(64, 48);
          const rect = {
            left,
            top,
            right: left + width - 1,
            bottom: top + height - 1,
            width,
            height,
            bpp,
            compressed,
            data,
          };
          try {
            fb.apply(rect);
          } catch (error) {
            if (!(error instanceof RdpCodecError)) throw error;
          }
          expect(fb.snapshot()).toHaveLength(64 * 48 * 4);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
