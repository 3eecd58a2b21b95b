import { RdpCodecError } from './errors.ts';
import { packRgba, rgba24 } from './pixels.ts';

/**
 * Uncompressed bitmaps (TS_BITMAP_DATA without BITMAP_COMPRESSION): scanlines bottom-up, each
 * padded to a multiple of 4 bytes. 8/15/16 bpp values go through `table`; 24 bpp is blue, green,
 * red; 32 bpp is blue, green, red and an unused byte, drawn opaque. Writes RGBA words top-down.
 */
export function decodeRaw(
  src: Uint8Array,
  width: number,
  height: number,
  pixelSize: 1 | 2 | 3 | 4,
  table: Uint32Array | null,
  out: Uint32Array,
): void {
  const stride = (width * pixelSize + 3) & ~3;
  if (src.length < stride * height) {
    throw new RdpCodecError(
      'RDP_CODEC_BAD_LENGTH',
      `raw ${width}x${height} at ${pixelSize * 8 || 8} bits needs ${stride * height} bytes, has ${src.length}`,
    );
  }
  for (let y = 0; y < height; y++) {
    let s = y * stride;
    let d = (height - 1 - y) * width;
    const rowEnd = d + width;
    if (pixelSize === 1) {
      for (; d < rowEnd; d++) out[d] = table![src[s++]!]!;
    } else if (pixelSize === 2) {
      for (; d < rowEnd; d++, s += 2) out[d] = table![src[s]! | (src[s + 1]! << 8)]!;
    } else if (pixelSize === 3) {
      for (; d < rowEnd; d++, s += 3) out[d] = rgba24(src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16));
    } else {
      for (; d < rowEnd; d++, s += 4) out[d] = packRgba(src[s + 2]!, src[s + 1]!, src[s]!);
    }
  }
}
