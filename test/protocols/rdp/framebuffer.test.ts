import { describe, expect, it } from 'vitest';
import { Framebuffer } from '../../../protocols/rdp/codec/index.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import { InterleavedWriter } from '../../support/rdp-bitmap-encoder.ts';

/** A 24 bpp raw bitmap whose every pixel is one colour (r, g, b). */
function solid(
  left: number,
  top: number,
  width: number,
  height: number,
  rgb: [number, number, number],
): BitmapRect {
  const stride = (width * 3 + 3) & ~3;
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([rgb[2], rgb[1], rgb[0]], y * stride + x * 3);
  return {
    left,
    top,
    right: left + width - 1,
    bottom: top + height - 1,
    width,
    height,
    bpp: 24,
    compressed: false,
    data,
  };
}

function pixelAt(fb: Framebuffer, x: number, y: number): number[] {
  return Array.from(fb.region(x, y, 1, 1));
}

const BLACK = [0, 0, 0, 255];
const RED: [number, number, number] = [255, 0, 0];

describe('Framebuffer', () => {
  it('starts opaque black and draws a rectangle where it says', () => {
    const fb = new Framebuffer(8, 6);
    expect(pixelAt(fb, 0, 0)).toEqual(BLACK);
    fb.apply(solid(2, 1, 3, 2, RED));
    expect(pixelAt(fb, 2, 1)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(fb, 4, 2)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(fb, 5, 2)).toEqual(BLACK);
    expect(pixelAt(fb, 2, 3)).toEqual(BLACK);
    expect(pixelAt(fb, 1, 1)).toEqual(BLACK);
  });

  it('clips to the destination corner: a compressed bitmap wider than its rectangle', () => {
    const fb = new Framebuffer(8, 4);
    // 4x2 bitmap drawn into a 3x1 destination (right and bottom are inclusive).
    const data = new InterleavedWriter(24).colorRun(8, 0x00ff00).build();
    fb.apply({ left: 1, top: 1, right: 3, bottom: 1, width: 4, height: 2, bpp: 24, compressed: true, data });
    expect(pixelAt(fb, 1, 1)).toEqual([0, 255, 0, 255]);
    expect(pixelAt(fb, 3, 1)).toEqual([0, 255, 0, 255]);
    expect(pixelAt(fb, 4, 1)).toEqual(BLACK);
    expect(pixelAt(fb, 1, 2)).toEqual(BLACK);
  });

  it('clips to the screen', () => {
    const fb = new Framebuffer(4, 4);
    fb.apply(solid(2, 2, 5, 5, RED));
    expect(pixelAt(fb, 3, 3)).toEqual([255, 0, 0, 255]);
    fb.apply(solid(-2, -2, 3, 3, [0, 0, 255]));
    expect(pixelAt(fb, 0, 0)).toEqual([0, 0, 255, 255]);
    expect(pixelAt(fb, 1, 1)).toEqual(BLACK);
    // Entirely off screen: nothing drawn, nothing thrown.
    fb.apply(solid(10, 10, 2, 2, RED));
    fb.apply({ ...solid(0, 0, 2, 2, RED), right: -1 });
    expect(pixelAt(fb, 0, 1)).toEqual(BLACK);
  });

  it('keeps the screen opaque when a 32 bpp bitmap carries alpha', () => {
    const fb = new Framebuffer(2, 1);
    // Planar, raw planes with alpha: alpha 0, red 10, green 20, blue 30 for both pixels.
    const data = Uint8Array.from([0x00, 0, 0, 10, 10, 20, 20, 30, 30]);
    fb.apply({ left: 0, top: 0, right: 1, bottom: 0, width: 2, height: 1, bpp: 32, compressed: true, data });
    expect(Array.from(fb.snapshot())).toEqual([10, 20, 30, 255, 10, 20, 30, 255]);
  });

  it('snapshot and region are copies', () => {
    const fb = new Framebuffer(2, 2);
    const before = fb.snapshot();
    const region = fb.region(0, 0, 2, 1);
    fb.apply(solid(0, 0, 2, 2, RED));
    expect(Array.from(before)).toEqual([...BLACK, ...BLACK, ...BLACK, ...BLACK]);
    expect(Array.from(region)).toEqual([...BLACK, ...BLACK]);
    before.fill(7);
    expect(pixelAt(fb, 0, 0)).toEqual([255, 0, 0, 255]);
  });

  it('region reads rows and refuses a region outside the screen', () => {
    const fb = new Framebuffer(3, 3);
    fb.apply(solid(1, 1, 1, 1, RED));
    expect(Array.from(fb.region(1, 0, 2, 2))).toEqual([...BLACK, ...BLACK, 255, 0, 0, 255, ...BLACK]);
    const outside: [number, number, number, number][] = [
      [2, 2, 2, 1],
      [-1, 0, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 1, 4],
    ];
    for (const [x, y, w, h] of outside) {
      expect(() => fb.region(x, y, w, h)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_BAD_REGION' }));
    }
  });

  it('resize keeps the shared top-left part and starts the rest black', () => {
    const fb = new Framebuffer(2, 2);
    fb.apply(solid(0, 0, 2, 2, RED));
    fb.resize(3, 1);
    expect([fb.width, fb.height]).toEqual([3, 1]);
    expect(Array.from(fb.snapshot())).toEqual([255, 0, 0, 255, 255, 0, 0, 255, ...BLACK]);
    expect(() => fb.resize(0, 5)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_BAD_SIZE' }));
    expect(() => new Framebuffer(5000, 5)).toThrow(expect.objectContaining({ code: 'RDP_CODEC_BAD_SIZE' }));
  });

  it('draws 8 bpp rectangles with the palette the server sent', () => {
    const fb = new Framebuffer(1, 1);
    const palette = new Uint8Array(768);
    palette.set([1, 2, 3], 7 * 3);
    fb.setPalette(palette);
    fb.apply({
      left: 0,
      top: 0,
      right: 0,
      bottom: 0,
      width: 1,
      height: 1,
      bpp: 8,
      compressed: false,
      data: Uint8Array.from([7, 0, 0, 0]),
    });
    expect(pixelAt(fb, 0, 0)).toEqual([1, 2, 3, 255]);
    expect(() => fb.setPalette(new Uint8Array(3))).toThrow(
      expect.objectContaining({ code: 'RDP_CODEC_BAD_PALETTE' }),
    );
  });

  it('a malformed rectangle throws and leaves the screen as it was', () => {
    const fb = new Framebuffer(2, 1);
    fb.apply(solid(0, 0, 2, 1, RED));
    const data = new InterleavedWriter(24).colorRun(3, 0x0000ff).build();
    expect(() =>
      fb.apply({
        left: 0,
        top: 0,
        right: 1,
        bottom: 0,
        width: 2,
        height: 1,
        bpp: 24,
        compressed: true,
        data,
      }),
    ).toThrow(expect.objectContaining({ code: 'RDP_CODEC_OVERRUN' }));
    expect(pixelAt(fb, 0, 0)).toEqual([255, 0, 0, 255]);
  });
});
