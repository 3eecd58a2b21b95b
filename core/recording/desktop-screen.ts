/**
 * The screen a desktop recording keeps and replays: the RDP decoder's framebuffer
 * (protocols/rdp/codec/) seen through the few calls the recorder and the reader make, so both
 * take it as a factory (the gateway passes the decoder's, tests may pass their own).
 */
import type { BitmapRect } from '../../protocols/rdp/types.ts';

export interface DesktopFramebuffer {
  readonly width: number;
  readonly height: number;
  /** Decodes and draws one rectangle, clipped to the screen; throws on a bitmap that does not decode. */
  apply(rect: BitmapRect): void;
  /** A copy of the screen: RGBA, top-down rows. */
  snapshot(): Uint8ClampedArray;
  resize(width: number, height: number): void;
}

export type FramebufferFactory = (width: number, height: number) => DesktopFramebuffer;

/**
 * Draws a keyframe's RGBA onto a framebuffer of its size, as the one rectangle every decoder
 * understands: uncompressed 32 bits per pixel (B, G, R, X per pixel, rows bottom-up).
 */
export function drawKeyframe(fb: DesktopFramebuffer, rgba: Uint8Array, width: number, height: number): void {
  if (fb.width !== width || fb.height !== height) fb.resize(width, height);
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
  fb.apply({
    left: 0,
    top: 0,
    right: width - 1,
    bottom: height - 1,
    width,
    height,
    bpp: 32,
    compressed: false,
    data,
  });
}
