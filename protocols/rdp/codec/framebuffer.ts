import type { BitmapRect } from '../types.ts';
import { decodeBitmapInto } from './decode.ts';
import { RdpCodecError } from './errors.ts';
import { checkBitmapShape, MAX_BITMAP_SIDE } from './limits.ts';
import type { RdpPalette } from './pixels.ts';

/**
 * One desktop's current screen, RGBA top-down, kept by whoever needs the whole picture: the
 * gateway for late joiners and recording keyframes, a player for seeking. `apply` decodes a
 * server rectangle and draws it clipped to its destination corner and to the screen. The
 * screen is opaque: alpha from a 32 bpp bitmap is not kept, since a desktop has no
 * transparency and a still must not turn see-through.
 */
export class Framebuffer {
  #width: number;
  #height: number;
  #pixels: Uint8ClampedArray;
  /** Reused for every rectangle so the hot path allocates only when a larger bitmap arrives. */
  #scratch = new ArrayBuffer(0);
  #palette: RdpPalette | undefined;

  constructor(width: number, height: number) {
    checkScreen(width, height);
    this.#width = width;
    this.#height = height;
    this.#pixels = new Uint8ClampedArray(width * height * 4);
    opaqueBlack(this.#pixels);
  }

  get width(): number {
    return this.#width;
  }

  get height(): number {
    return this.#height;
  }

  /** The server's latest Palette Update, for 8 bpp rectangles (768 bytes of RGB). */
  setPalette(palette: RdpPalette): void {
    if (palette.length !== 768) {
      throw new RdpCodecError('RDP_CODEC_BAD_PALETTE', `a palette is 768 bytes, not ${palette.length}`);
    }
    this.#palette = palette.slice();
  }

  /** Decodes `rect` and draws the part inside both its destination corner and the screen. */
  apply(rect: BitmapRect): void {
    checkBitmapShape(rect);
    const bytes = rect.width * rect.height * 4;
    if (this.#scratch.byteLength < bytes) this.#scratch = new ArrayBuffer(bytes);
    const decoded = new Uint8ClampedArray(this.#scratch, 0, bytes);
    decodeBitmapInto(rect, decoded, this.#palette);

    const x0 = Math.max(rect.left, 0);
    const y0 = Math.max(rect.top, 0);
    const x1 = Math.min(rect.right, rect.left + rect.width - 1, this.#width - 1);
    const y1 = Math.min(rect.bottom, rect.top + rect.height - 1, this.#height - 1);
    if (x1 < x0 || y1 < y0) return;

    const rowBytes = (x1 - x0 + 1) * 4;
    for (let y = y0; y <= y1; y++) {
      const from = ((y - rect.top) * rect.width + (x0 - rect.left)) * 4;
      const to = (y * this.#width + x0) * 4;
      this.#pixels.set(decoded.subarray(from, from + rowBytes), to);
      if (rect.bpp === 32) {
        for (let a = to + 3; a < to + rowBytes; a += 4) this.#pixels[a] = 255;
      }
    }
  }

  /** A copy of the whole screen, RGBA, `width × height × 4` bytes. */
  snapshot(): Uint8ClampedArray {
    return this.#pixels.slice();
  }

  /** A copy of a rectangle inside the screen, RGBA, `w × h × 4` bytes. */
  region(x: number, y: number, w: number, h: number): Uint8ClampedArray {
    const inside =
      [x, y, w, h].every(Number.isInteger) &&
      x >= 0 &&
      y >= 0 &&
      w >= 1 &&
      h >= 1 &&
      x + w <= this.#width &&
      y + h <= this.#height;
    if (!inside) {
      throw new RdpCodecError(
        'RDP_CODEC_BAD_REGION',
        `region ${w}x${h} at ${x},${y} is not inside the ${this.#width}x${this.#height} screen`,
      );
    }
    const out = new Uint8ClampedArray(w * h * 4);
    for (let row = 0; row < h; row++) {
      const from = ((y + row) * this.#width + x) * 4;
      out.set(this.#pixels.subarray(from, from + w * 4), row * w * 4);
    }
    return out;
  }

  /**
   * The desktop changed size (a server's reactivation). The top-left part both sizes share is
   * kept until the server repaints; the rest starts black.
   */
  resize(width: number, height: number): void {
    checkScreen(width, height);
    const next = new Uint8ClampedArray(width * height * 4);
    opaqueBlack(next);
    const keepW = Math.min(width, this.#width);
    const keepH = Math.min(height, this.#height);
    for (let y = 0; y < keepH; y++) {
      const from = y * this.#width * 4;
      next.set(this.#pixels.subarray(from, from + keepW * 4), y * width * 4);
    }
    this.#width = width;
    this.#height = height;
    this.#pixels = next;
  }
}

function checkScreen(width: number, height: number): void {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_BITMAP_SIDE;
  if (!ok(width) || !ok(height)) {
    throw new RdpCodecError(
      'RDP_CODEC_BAD_SIZE',
      `screen ${String(width)}x${String(height)} is outside 1..${MAX_BITMAP_SIDE} pixels a side`,
    );
  }
}

function opaqueBlack(pixels: Uint8ClampedArray): void {
  for (let a = 3; a < pixels.length; a += 4) pixels[a] = 255;
}
