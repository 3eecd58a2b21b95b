/**
 * A small picture of a desktop screen for the player's timeline: the screen scaled down to at
 * most `maxWidth` pixels wide (aspect kept) by averaging each source cell, so thin text lines
 * turn grey rather than vanishing or flickering as nearest-pixel sampling would. PNG, like stills.
 */
import { encodeRgbaPng } from './desktop-still.ts';

export const THUMBNAIL_WIDTH = 160;

export interface Thumbnail {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** `rgba` (top-down rows, `width` × `height`) averaged down to at most `maxWidth` wide. */
export function scaleDown(
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
  maxWidth = THUMBNAIL_WIDTH,
): Thumbnail {
  const w = Math.max(1, Math.min(width, maxWidth));
  const h = Math.max(1, Math.round((height * w) / width));
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / w));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++)
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * width + sx) * 4;
          r += rgba[i]!;
          g += rgba[i + 1]!;
          b += rgba[i + 2]!;
        }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = 255;
    }
  }
  return { width: w, height: h, rgba: out };
}

export function thumbnailPng(rgba: Uint8ClampedArray, width: number, height: number): Buffer {
  const t = scaleDown(rgba, width, height);
  return encodeRgbaPng(t.rgba, t.width, t.height);
}
