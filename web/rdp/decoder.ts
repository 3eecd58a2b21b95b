// The viewer's bitmap decoder. Until the shared decoder (protocols/rdp/codec/) is merged this
// draws only uncompressed 32-bit rectangles (B, G, R, X per pixel, rows bottom-up), which is what
// the unit tests' stand-in server sends.
import type { BitmapRect } from '../../protocols/rdp/types.ts';

export function decodeBitmap(rect: BitmapRect): Uint8ClampedArray {
  if (rect.compressed || rect.bpp !== 32) throw new Error(`cannot decode ${rect.bpp} bpp here yet`);
  const { width, height, data } = rect;
  const out = new Uint8ClampedArray(width * height * 4);
  if (data.length < width * height * 4) throw new Error('a truncated bitmap');
  for (let y = 0; y < height; y++) {
    const from = (height - 1 - y) * width * 4;
    const to = y * width * 4;
    for (let x = 0; x < width * 4; x += 4) {
      out[to + x] = data[from + x + 2]!;
      out[to + x + 1] = data[from + x + 1]!;
      out[to + x + 2] = data[from + x]!;
      out[to + x + 3] = 255;
    }
  }
  return out;
}
