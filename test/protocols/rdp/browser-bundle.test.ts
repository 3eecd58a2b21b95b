import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/chromium.ts';
import { encodeInterleaved, expectedRgba } from '../../support/rdp-bitmap-encoder.ts';
import { encodePlanar } from '../../support/rdp-planar-encoder.ts';

// The viewer runs the same decoder in the browser: esbuild bundles protocols/rdp/codec for the
// browser with nothing from Node in it, and real Chromium decodes known streams to the pixels
// the specification gives.

const ENTRY = new URL('../../../protocols/rdp/codec/index.ts', import.meta.url).pathname;

async function bundle(): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

/** What the test calls on the bundle inside the page. */
interface BrowserCodec {
  decodeBitmap(rect: object): Uint8ClampedArray;
  Framebuffer: new (
    width: number,
    height: number,
  ) => { apply(rect: object): void; snapshot(): Uint8ClampedArray };
}

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('the decoder bundled for the browser', () => {
  it('bundles from protocols/rdp alone, with no Node module or global', async () => {
    const { code, inputs } = await bundle();
    expect(inputs.length).toBeGreaterThan(3);
    for (const input of inputs) expect(input).toMatch(/^protocols\/rdp\//);
    expect(code).not.toMatch(/\brequire\(|from ["']node:|\bBuffer\b|\bprocess\./);
    expect(code).toMatch(/export \{/);
  });

  it('decodes interleaved and planar streams in Chromium to the expected pixels', async () => {
    const { code } = await bundle();
    const width = 8;
    const height = 3;
    const pixels = [0xf800, 0xf800, 0xf800, 0x07e0, 0x001f, 0xffff, 0, 0x1234];
    for (let i = 8; i < 24; i++) pixels.push(i % 3 === 0 ? pixels[i - 8]! : pixels[i - 8]! ^ 0x0841);
    const interleaved = Array.from(encodeInterleaved(pixels, width, height, 16));
    const rgba = Array.from({ length: 2 * 2 * 4 }, (_, i) => (i * 37) & 0xff);
    const planar = Array.from(encodePlanar(rgba, 2, 2, { rle: true, alpha: true }));

    const page = await browser!.newPage();
    try {
      // Loaded as an ES module from a blob URL, as a page would load it; written as a string so
      // the test runner does not rewrite the dynamic import.
      await page.evaluate(`(async () => {
        const url = URL.createObjectURL(new Blob([${JSON.stringify(code)}], { type: 'text/javascript' }));
        window.rdpCodec = await import(url);
      })()`);
      const result = await page.evaluate(
        ({ interleaved, planar }) => {
          // The page's global object; this file is compiled without the DOM library.
          const codec = (globalThis as unknown as { rdpCodec: BrowserCodec }).rdpCodec;
          const rect = (w: number, h: number, bpp: number, data: number[]) => ({
            left: 0,
            top: 0,
            right: w - 1,
            bottom: h - 1,
            width: w,
            height: h,
            bpp,
            compressed: true,
            data: Uint8Array.from(data),
          });
          const fb = new codec.Framebuffer(8, 3);
          fb.apply(rect(8, 3, 16, interleaved));
          let error = '';
          try {
            codec.decodeBitmap(rect(8, 3, 16, [0xff]));
          } catch (e) {
            error = `${(e as Error).name}:${(e as { code: string }).code}`;
          }
          return {
            interleaved: Array.from(codec.decodeBitmap(rect(8, 3, 16, interleaved))),
            framebuffer: Array.from(fb.snapshot()),
            planar: Array.from(codec.decodeBitmap(rect(2, 2, 32, planar))),
            error,
          };
        },
        { interleaved, planar },
      );
      const expected = Array.from(expectedRgba(pixels, width, height, 16));
      expect(result.interleaved).toEqual(expected);
      expect(result.framebuffer).toEqual(expected);
      expect(result.planar).toEqual(rgba);
      expect(result.error).toBe('RdpCodecError:RDP_CODEC_BAD_ORDER');
    } finally {
      await page.close();
    }
  });
});
