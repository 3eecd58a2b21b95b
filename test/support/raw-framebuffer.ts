// A framebuffer for recorder tests that draws only uncompressed 32 and 24 bpp bitmaps (rows
// bottom-up, B G R order, as RDP sends them): enough to paint distinctive synthetic screens and
// to check what a recording replays, without depending on the compressed-bitmap decoder.
import type { BitmapRect } from '../../protocols/rdp/types.ts';
import type { DesktopFramebuffer } from '../../core/recording/desktop-screen.ts';

export class RawFramebuffer implements DesktopFramebuffer {
  #w: number;
  #h: number;
  #px: Uint8ClampedArray;

  constructor(width: number, height: number) {
    this.#w = width;
    this.#h = height;
    this.#px = new Uint8ClampedArray(width * height * 4);
  }
  get width(): number {
    return this.#w;
  }
  get height(): number {
    return this.#h;
  }

  apply(r: BitmapRect): void {
    if (r.compressed || (r.bpp !== 32 && r.bpp !== 24)) throw new Error('raw 24/32 bpp only');
    const bytes = r.bpp / 8;
    const stride = Math.ceil((r.width * bytes) / 4) * 4;
    if (r.data.length < stride * r.height) throw new Error('short bitmap');
    for (let y = 0; y < r.height; y++) {
      const dy = r.top + y;
      if (dy > r.bottom || dy >= this.#h) break;
      const row = (r.height - 1 - y) * stride;
      for (let x = 0; x < r.width; x++) {
        const dx = r.left + x;
        if (dx > r.right || dx >= this.#w) break;
        const s = row + x * bytes;
        const d = (dy * this.#w + dx) * 4;
        this.#px[d] = r.data[s + 2]!;
        this.#px[d + 1] = r.data[s + 1]!;
        this.#px[d + 2] = r.data[s]!;
        this.#px[d + 3] = 255;
      }
    }
  }

  snapshot(): Uint8ClampedArray {
    return new Uint8ClampedArray(this.#px);
  }

  resize(width: number, height: number): void {
    const next = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < Math.min(height, this.#h); y++)
      next.set(
        this.#px.subarray(y * this.#w * 4, (y * this.#w + Math.min(width, this.#w)) * 4),
        y * width * 4,
      );
    this.#w = width;
    this.#h = height;
    this.#px = next;
  }
}

/** A solid raw 32 bpp rectangle of `w`×`h` at (x, y); `pattern(i)` gives pixel i's colour when set. */
export function solidRect(
  x: number,
  y: number,
  w: number,
  h: number,
  rgb: [number, number, number],
  pattern?: (i: number) => [number, number, number],
): BitmapRect {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const [r, g, b] = pattern ? pattern(i) : rgb;
    data[i * 4] = b;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = r;
    data[i * 4 + 3] = 0;
  }
  return {
    left: x,
    top: y,
    right: x + w - 1,
    bottom: y + h - 1,
    width: w,
    height: h,
    bpp: 32,
    compressed: false,
    data,
  };
}

/** Step i of a synthetic session: a 16×16 square somewhere on a `width`×`height` screen, in a colour of its own. */
export function squareStep(i: number, width: number, height: number): BitmapRect {
  const x = (i * 37) % (width - 16);
  const y = (i * 23) % (height - 16);
  return solidRect(x, y, 16, 16, [(i * 53) % 256, (i * 97) % 256, (i * 11 + 40) % 256]);
}

/** The screen of the crash test's writer (desktop-recording-child.ts). */
export const CHILD_SCREEN = { width: 200, height: 120 };
