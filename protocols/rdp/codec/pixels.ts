import { RdpCodecError } from './errors.ts';

/**
 * Pixel values as the wire carries them (palette index, 15/16-bit packed, 24-bit 0xRRGGBB read
 * little-endian) turned into RGBA. Written one 32-bit word a pixel, so the word layout follows the
 * machine's byte order; every browser and Node platform in use is little-endian, but the other
 * order is handled rather than assumed.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The RGBA word for one pixel, opaque unless `a` says otherwise. */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return LITTLE_ENDIAN
    ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

/**
 * A 5- or 6-bit channel scaled to 8 bits as floor(v × 255 / max): 0 stays 0 and full scale
 * becomes 255. It is the scaling the bundled decoder used, so pixels and stills keep the values
 * the gateway produced before.
 */
function scale(v: number, max: number): number {
  return Math.floor((v * 255) / max);
}

let table15: Uint32Array | undefined;
let table16: Uint32Array | undefined;

/** 15 bpp: 0RRRRRGGGGGBBBBB. Built once on first use and only read afterwards. */
export function rgbaTable15(): Uint32Array {
  if (!table15) {
    table15 = new Uint32Array(0x10000);
    for (let v = 0; v < 0x10000; v++) {
      table15[v] = packRgba(scale((v >> 10) & 0x1f, 31), scale((v >> 5) & 0x1f, 31), scale(v & 0x1f, 31));
    }
  }
  return table15;
}

/** 16 bpp: RRRRRGGGGGGBBBBB. */
export function rgbaTable16(): Uint32Array {
  if (!table16) {
    table16 = new Uint32Array(0x10000);
    for (let v = 0; v < 0x10000; v++) {
      table16[v] = packRgba(scale((v >> 11) & 0x1f, 31), scale((v >> 5) & 0x3f, 63), scale(v & 0x1f, 31));
    }
  }
  return table16;
}

/** 24 bpp: the wire's three bytes are blue, green, red, i.e. 0xRRGGBB read little-endian. */
export function rgba24(v: number): number {
  return packRgba((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

/**
 * An 8 bpp palette: 256 entries of red, green, blue (TS_PALETTE_ENTRY order), 768 bytes, as the
 * server's Palette Update sends them.
 */
export type RdpPalette = Uint8Array;

let defaultPalette: Uint32Array | undefined;

/**
 * Until the server sends a Palette Update, 8 bpp pixels are read as RRRGGGBB (3-3-2): a fixed
 * palette that keeps a picture recognisable, never the previous session's colours.
 */
function defaultRgbaPalette(): Uint32Array {
  if (!defaultPalette) {
    defaultPalette = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      defaultPalette[i] = packRgba(scale(i >> 5, 7), scale((i >> 2) & 7, 7), scale(i & 3, 3));
    }
  }
  return defaultPalette;
}

/** The palette as RGBA words, indexed by the 8 bpp pixel value. */
export function rgbaPalette(palette: RdpPalette | undefined): Uint32Array {
  if (!palette) return defaultRgbaPalette();
  if (palette.length !== 768) {
    throw new RdpCodecError(
      'RDP_CODEC_BAD_PALETTE',
      `a palette is 256 RGB triples (768 bytes), not ${palette.length}`,
    );
  }
  const words = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    words[i] = packRgba(palette[i * 3]!, palette[i * 3 + 1]!, palette[i * 3 + 2]!);
  }
  return words;
}

/**
 * The RGBA word table for a depth whose values index it (8, 15 and 16 bpp), or `null` for 24 bpp,
 * whose values are converted arithmetically (a 16 M-entry table would cost 64 MB).
 */
export function rgbaTableFor(bpp: 8 | 15 | 16 | 24, palette: RdpPalette | undefined): Uint32Array | null {
  switch (bpp) {
    case 8:
      return rgbaPalette(palette);
    case 15:
      return rgbaTable15();
    case 16:
      return rgbaTable16();
    case 24:
      return null;
  }
}
