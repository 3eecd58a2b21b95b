import type { BitmapRect } from '../types.ts';
import { RdpCodecError } from './errors.ts';
import { decodeInterleaved } from './interleaved.ts';
import { bytesPerPixel, checkBitmapShape } from './limits.ts';
import { rgba24, rgbaTableFor, type RdpPalette } from './pixels.ts';
import { decodePlanar } from './planar.ts';
import { decodeRaw } from './raw.ts';

/**
 * One server bitmap to RGBA: `width × height × 4` bytes, rows top-down. Compressed 8–24 bpp is
 * interleaved RLE, compressed 32 bpp is planar, uncompressed is raw bottom-up rows. 8 bpp uses
 * `palette` (the server's Palette Update, 768 bytes of RGB) or, without one, a fixed 3-3-2
 * palette. 32 bpp planar keeps the alpha the server sent (255 with NoAlpha); every other depth
 * is opaque. Throws `RdpCodecError` for anything malformed, after checking the size first.
 */
export function decodeBitmap(rect: BitmapRect, palette?: RdpPalette): Uint8ClampedArray {
  checkBitmapShape(rect);
  const out = new Uint8ClampedArray(rect.width * rect.height * 4);
  decodeChecked(rect, out, palette);
  return out;
}

/**
 * The same into a caller's buffer of exactly `width × height × 4` bytes, so a framebuffer can
 * reuse one scratch buffer for every rectangle. Nothing else is allocated when `out` starts on a
 * 4-byte boundary (a fresh buffer always does).
 */
export function decodeBitmapInto(rect: BitmapRect, out: Uint8ClampedArray, palette?: RdpPalette): void {
  checkBitmapShape(rect);
  if (out.length !== rect.width * rect.height * 4) {
    throw new RdpCodecError(
      'RDP_CODEC_BAD_OUTPUT',
      `bitmap ${rect.width}x${rect.height} needs ${rect.width * rect.height * 4} output bytes, got ${out.length}`,
    );
  }
  decodeChecked(rect, out, palette);
}

function decodeChecked(rect: BitmapRect, out: Uint8ClampedArray, palette: RdpPalette | undefined): void {
  const { width, height, bpp, data } = rect;
  if (bpp === 32 && rect.compressed) {
    decodePlanar(data, width, height, out);
    return;
  }
  // The other paths write one 32-bit word a pixel; a misaligned buffer gets an aligned copy.
  const aligned = out.byteOffset % 4 === 0;
  const words = aligned
    ? new Uint32Array(out.buffer, out.byteOffset, width * height)
    : new Uint32Array(width * height);
  if (bpp === 32) {
    decodeRaw(data, width, height, 4, null, words);
  } else if (rect.compressed) {
    decodeInterleaved(data, width, height, bpp, words);
    nativeToRgbaFlipped(words, width, height, rgbaTableFor(bpp, palette));
  } else {
    decodeRaw(data, width, height, bytesPerPixel(bpp), rgbaTableFor(bpp, palette), words);
  }
  if (!aligned) out.set(new Uint8ClampedArray(words.buffer));
}

/**
 * Converts native values to RGBA words in place and turns the bottom-up stream order into
 * top-down rows, swapping row pairs so no second buffer is needed.
 */
function nativeToRgbaFlipped(
  words: Uint32Array,
  width: number,
  height: number,
  table: Uint32Array | null,
): void {
  for (let top = 0, bottom = height - 1; top <= bottom; top++, bottom--) {
    const a = top * width;
    const b = bottom * width;
    if (table) {
      for (let x = 0; x < width; x++) {
        const upper = words[a + x]!;
        words[a + x] = table[words[b + x]!]!;
        if (a !== b) words[b + x] = table[upper]!;
      }
    } else {
      for (let x = 0; x < width; x++) {
        const upper = words[a + x]!;
        words[a + x] = rgba24(words[b + x]!);
        if (a !== b) words[b + x] = rgba24(upper);
      }
    }
  }
}
