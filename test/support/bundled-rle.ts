/**
 * node-rdpjs's bundled decoder (lib/core/rle.js, an Emscripten build of rdesktop's bitmap.c),
 * called the way node-rdpjs's own `decompress` in lib/protocol/rdp.js calls it, for cross-checks
 * and the benchmark only: product code never loads it. Its output is a view into the module's
 * one shared heap, so it is copied before the buffers are freed.
 *
 * What it returns, as measured: 15 and 16 bpp as RGBA, 24 bpp as BGRA (the wire's byte order
 * kept), 32 bpp planar as RGBA with alpha forced to 255; and it takes only planar streams whose
 * header is exactly 0x10 (RLE planes with alpha).
 */
import { createRequire } from 'node:module';

interface EmscriptenRle {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  ccall(name: string, ret: string, types: string[], args: number[]): number;
}

const require = createRequire(import.meta.url);
let rle: EmscriptenRle | undefined;

function module(): EmscriptenRle {
  rle ??= require('node-rdpjs/lib/core/rle.js') as EmscriptenRle;
  return rle;
}

export type BundledDepth = 15 | 16 | 24 | 32;

/** Decodes one compressed bitmap; returns the copied output and the decoder's success flag. */
export function bundledDecompress(
  bpp: BundledDepth,
  width: number,
  height: number,
  data: Uint8Array,
): { ok: boolean; rgba: Uint8Array } {
  const m = module();
  const inputPtr = m._malloc(data.length);
  new Uint8Array(m.HEAPU8.buffer, inputPtr, data.length).set(data);
  const outputSize = width * height * 4;
  const outputPtr = m._malloc(outputSize);
  new Uint8Array(m.HEAPU8.buffer, outputPtr, outputSize).fill(0);
  const result = m.ccall(
    `bitmap_decompress_${bpp}`,
    'number',
    ['number', 'number', 'number', 'number', 'number', 'number', 'number', 'number'],
    [outputPtr, width, height, width, height, inputPtr, data.length],
  );
  const rgba = new Uint8Array(m.HEAPU8.buffer, outputPtr, outputSize).slice();
  m._free(inputPtr);
  m._free(outputPtr);
  return { ok: result !== 0, rgba };
}

/** The bundled output in RGBA order (its 24 bpp output is blue first). */
export function bundledRgba(bpp: BundledDepth, width: number, height: number, data: Uint8Array): Uint8Array {
  const { rgba } = bundledDecompress(bpp, width, height, data);
  if (bpp === 24) {
    for (let i = 0; i < rgba.length; i += 4) {
      const b = rgba[i]!;
      rgba[i] = rgba[i + 2]!;
      rgba[i + 2] = b;
    }
  }
  return rgba;
}
