// node-rdpjs's parsed bitmaps → the shared BitmapRect. The bytes are COPIED: node-rdpjs hands out
// views into its read buffers, and the rectangles outlive the event (recorder, framebuffer,
// viewers). They stay compressed: decoding is protocols/rdp/codec/'s job, never node-rdpjs's
// asm.js decoder (slow, one heap for every session).
import type { BitmapRect, BitsPerPixel } from '../../../protocols/rdp/types.ts';
import { BITMAP_COMPRESSION, type RdpjsBitmap } from './rdpjs.ts';

const DEPTHS = new Set<number>([8, 15, 16, 24, 32]);

/** Null for a bitmap no decoder can draw (an unknown depth, an empty or absurd size). */
export function toBitmapRect(b: RdpjsBitmap): BitmapRect | null {
  const o = b.obj;
  const bpp = o.bitsPerPixel.value;
  if (!DEPTHS.has(bpp)) return null;
  const width = o.width.value;
  const height = o.height.value;
  if (width === 0 || height === 0) return null;
  return {
    left: o.destLeft.value,
    top: o.destTop.value,
    right: o.destRight.value,
    bottom: o.destBottom.value,
    width,
    height,
    bpp: bpp as BitsPerPixel,
    compressed: (o.flags.value & BITMAP_COMPRESSION) !== 0,
    data: new Uint8Array(o.bitmapDataStream.value),
  };
}
