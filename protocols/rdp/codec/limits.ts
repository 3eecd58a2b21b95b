import { RdpCodecError } from './errors.ts';
import type { BitmapRect, BitsPerPixel } from '../types.ts';

/** Largest bitmap side the decoder accepts: RDP desktops stop at 4096 (DESKTOP_LIMITS). */
export const MAX_BITMAP_SIDE = 4096;

/**
 * TS_BITMAP_DATA carries its length in 16 bits, so no server sends more than this per bitmap.
 * The decoder also accepts up to four bytes a pixel beyond it, so an engine may hand over a raw
 * 32 bpp bitmap that arrived another way, but nothing larger: decoding time is linear in input.
 */
const PROTOCOL_MAX_LENGTH = 0xffff;

export function bytesPerPixel(bpp: BitsPerPixel): 1 | 2 | 3 | 4 {
  switch (bpp) {
    case 8:
      return 1;
    case 15:
    case 16:
      return 2;
    case 24:
      return 3;
    case 32:
      return 4;
    default:
      throw new RdpCodecError('RDP_CODEC_BAD_DEPTH', `unsupported colour depth ${String(bpp)}`);
  }
}

/** Checks a bitmap's shape and data length before anything is allocated or read. */
export function checkBitmapShape(rect: BitmapRect): void {
  const { width, height } = rect;
  if (!isSide(width) || !isSide(height)) {
    throw new RdpCodecError(
      'RDP_CODEC_BAD_SIZE',
      `bitmap ${String(width)}x${String(height)} is outside 1..${MAX_BITMAP_SIDE} pixels a side`,
    );
  }
  bytesPerPixel(rect.bpp);
  const length = rect.data.length;
  const max = Math.max(PROTOCOL_MAX_LENGTH, width * height * 4 + 1024);
  if (length > max) {
    throw new RdpCodecError(
      'RDP_CODEC_BAD_LENGTH',
      `bitmap ${width}x${height} carries ${length} bytes, more than ${max}`,
    );
  }
}

function isSide(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_BITMAP_SIDE;
}
