/**
 * A recording's keyframe (a whole screen as RGBA, top-down rows) turned into the one rectangle
 * every RDP decoder draws: uncompressed 32 bits per pixel (B, G, R, X per pixel, rows bottom-up).
 * The gateway's reader and the browser's player restore a keyframe this way, through the same
 * framebuffer that draws the recorded rectangles after it.
 */
import type { BitmapRect } from './types.ts';

export function keyframeRect(rgba: Uint8Array, width: number, height: number): BitmapRect {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = y * width * 4;
    const to = (height - 1 - y) * width * 4;
    for (let x = 0; x < width * 4; x += 4) {
      data[to + x] = rgba[from + x + 2]!;
      data[to + x + 1] = rgba[from + x + 1]!;
      data[to + x + 2] = rgba[from + x]!;
      data[to + x + 3] = 255;
    }
  }
  return {
    left: 0,
    top: 0,
    right: width - 1,
    bottom: height - 1,
    width,
    height,
    bpp: 32,
    compressed: false,
    data,
  };
}
