/**
 * Decoder speed: Mpixel/s of the TypeScript decoder against node-rdpjs's bundled rle.js in the
 * same run, on the shapes servers send (64×64 tiles, 1024×40 strips as xrdp sends) at 16 and
 * 24 bpp interleaved and 32 bpp planar. The bundled decoder is timed the way node-rdpjs's
 * `decompress` uses it (copy in, decode, copy out). The pictures are synthetic desktop content:
 * flat backgrounds, two-colour text, a gradient and an icon-like noisy patch, encoded by the
 * test encoders, so both decoders see the same valid streams.
 */
import { performance } from 'node:perf_hooks';
import { decodeBitmapInto } from '../../protocols/rdp/codec/index.ts';
import type { BitmapRect } from '../../protocols/rdp/types.ts';
import { bundledDecompress, type BundledDepth } from '../../test/support/bundled-rle.ts';
import { encodeInterleaved, type InterleavedDepth } from '../../test/support/rdp-bitmap-encoder.ts';
import { encodePlanar } from '../../test/support/rdp-planar-encoder.ts';
import type { RdpBenchSection } from './section.ts';

const SHAPES = [
  { name: '64x64 tile', width: 64, height: 64 },
  { name: '1024x40 strip', width: 1024, height: 40 },
] as const;

const DEPTHS = [16, 24, 32] as const;

/** Desktop-like RGB content, top-down: background, text lines, a gradient, a noisy icon. */
function desktopPicture(width: number, height: number, seed: number): [number, number, number][] {
  let state = seed >>> 0;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const pixels: [number, number, number][] = [];
  for (let y = 0; y < height; y++) {
    const textRow = y % 12 >= 3 && y % 12 <= 9;
    for (let x = 0; x < width; x++) {
      const region = Math.floor((x / width) * 4);
      if (region === 0) pixels.push([0x30, 0x50, 0x80]);
      else if (region === 1) pixels.push(textRow && rand(3) === 0 ? [0x10, 0x10, 0x10] : [0xf0, 0xf0, 0xf0]);
      else if (region === 2) pixels.push([(x * 4) & 0xff, (y * 6) & 0xff, 0x90]);
      else pixels.push(rand(4) === 0 ? [rand(256), rand(256), rand(256)] : [0xc0, 0xc0, 0xc0]);
    }
  }
  return pixels;
}

function nativeStreamOrder(
  rgb: [number, number, number][],
  width: number,
  height: number,
  bpp: InterleavedDepth,
): number[] {
  const out: number[] = [];
  for (let y = height - 1; y >= 0; y--) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb[y * width + x]!;
      out.push(bpp === 16 ? ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3) : (r << 16) | (g << 8) | b);
    }
  }
  return out;
}

function streamFor(bpp: 16 | 24 | 32, width: number, height: number): Uint8Array {
  const rgb = desktopPicture(width, height, width * 31 + height);
  if (bpp === 32) {
    return encodePlanar(
      rgb.flatMap(([r, g, b]) => [r, g, b, 255]),
      width,
      height,
      { rle: true, alpha: true },
    );
  }
  return encodeInterleaved(nativeStreamOrder(rgb, width, height, bpp), width, height, bpp);
}

/** Runs `fn` until at least `ms` have passed; returns calls per second. */
function callsPerSecond(fn: () => void, ms: number): number {
  for (let i = 0; i < 20; i++) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

export const decoderSection: RdpBenchSection = {
  name: 'decoder',
  async run(log) {
    const rows: Record<string, unknown>[] = [];
    for (const shape of SHAPES) {
      for (const bpp of DEPTHS) {
        const { width, height } = shape;
        const data = streamFor(bpp, width, height);
        const rect: BitmapRect = {
          left: 0,
          top: 0,
          right: width - 1,
          bottom: height - 1,
          width,
          height,
          bpp,
          compressed: true,
          data,
        };
        const out = new Uint8ClampedArray(width * height * 4);
        const pixels = width * height;
        const ours = (callsPerSecond(() => decodeBitmapInto(rect, out), 400) * pixels) / 1e6;
        const bundled =
          (callsPerSecond(() => bundledDecompress(bpp as BundledDepth, width, height, data), 400) * pixels) /
          1e6;
        const row = {
          shape: shape.name,
          bpp: bpp === 32 ? '32 planar' : `${bpp} interleaved`,
          streamBytes: data.length,
          oursMpxPerS: Math.round(ours * 10) / 10,
          bundledMpxPerS: Math.round(bundled * 10) / 10,
          ratio: Math.round((ours / bundled) * 10) / 10,
        };
        log(
          `${row.shape}, ${row.bpp} (${row.streamBytes} B): ours ${row.oursMpxPerS} Mpx/s, rle.js ${row.bundledMpxPerS} Mpx/s, ratio ${row.ratio}x`,
        );
        rows.push(row);
      }
    }
    return { decoder: rows };
  },
};
