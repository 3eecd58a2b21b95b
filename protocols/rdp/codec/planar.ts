import { RdpCodecError } from './errors.ts';

/**
 * The RDP 6.0 planar codec for 32 bpp (MS-RDPEGDI 2.2.2.5.1, decoding as in 3.1.9): a format
 * header byte, then the alpha (unless NoAlpha), red, green and blue planes, each either raw
 * (width × height bytes) or run-length encoded scanline by scanline, the first scanline in
 * absolute values and every other one as deltas from the scanline before it. Scanlines come
 * bottom-up, like every bitmap in a Bitmap Update. Writes RGBA bytes top-down into `out`.
 *
 * Colour loss and chroma subsampling (the AYCoCg planes) are valid but not implemented: they
 * throw RDP_CODEC_UNSUPPORTED rather than draw wrong colours.
 */
const COLOR_LOSS_LEVEL_MASK = 0x07;
const CHROMA_SUBSAMPLING = 0x08;
const RLE = 0x10;
const NO_ALPHA = 0x20;

/** Offsets of each plane's channel in an RGBA pixel, in the order the planes are sent. */
const ALPHA = 3;
const RED = 0;
const GREEN = 1;
const BLUE = 2;

export function decodePlanar(src: Uint8Array, width: number, height: number, out: Uint8ClampedArray): void {
  if (src.length < 1)
    throw new RdpCodecError('RDP_CODEC_TRUNCATED', `planar ${width}x${height}: no format header`);
  const header = src[0]!;
  if ((header & COLOR_LOSS_LEVEL_MASK) !== 0 || (header & CHROMA_SUBSAMPLING) !== 0) {
    throw new RdpCodecError(
      'RDP_CODEC_UNSUPPORTED',
      `planar ${width}x${height}: colour loss or chroma subsampling (header 0x${header.toString(16)}) is not supported`,
    );
  }
  const hasAlpha = (header & NO_ALPHA) === 0;
  const channels = hasAlpha ? [ALPHA, RED, GREEN, BLUE] : [RED, GREEN, BLUE];
  let s = 1;
  if (header & RLE) {
    for (const channel of channels) s = decodeRlePlane(src, s, width, height, out, channel);
  } else {
    const planeSize = width * height;
    // The specification adds one pad byte after raw planes; servers that omit it are accepted.
    if (src.length < s + channels.length * planeSize) {
      throw new RdpCodecError(
        'RDP_CODEC_TRUNCATED',
        `planar ${width}x${height}: raw planes need ${1 + channels.length * planeSize} bytes, have ${src.length}`,
      );
    }
    for (const channel of channels) {
      for (let y = 0; y < height; y++) {
        let d = (height - 1 - y) * width * 4 + channel;
        for (let x = 0; x < width; x++, d += 4) out[d] = src[s++]!;
      }
    }
  }
  if (!hasAlpha) {
    for (let d = ALPHA; d < out.length; d += 4) out[d] = 255;
  }
}

/**
 * One run-length encoded plane. Each segment's control byte holds a count of raw bytes (high
 * nibble) and a run length (low nibble); run lengths 1 and 2 mean 16 or 32 plus the high
 * nibble, with no raw bytes. A run repeats the last raw value of the scanline (zero before the
 * first). Below the first scanline the values are deltas, stored as 2·d for d ≥ 0 and 2·|d| − 1
 * for d < 0, added to the pixel above. A segment may not cross the end of its scanline.
 * Returns the offset after the plane.
 */
function decodeRlePlane(
  src: Uint8Array,
  start: number,
  width: number,
  height: number,
  out: Uint8ClampedArray,
  channel: number,
): number {
  const end = src.length;
  const rowBytes = width * 4;
  let s = start;
  for (let y = 0; y < height; y++) {
    const row = (height - 1 - y) * rowBytes + channel;
    const above = row + rowBytes;
    let x = 0;
    let value = 0;
    while (x < width) {
      if (s >= end) {
        throw new RdpCodecError(
          'RDP_CODEC_TRUNCATED',
          `planar ${width}x${height}: plane ends inside scanline ${y}`,
        );
      }
      const control = src[s++]!;
      let run = control & 0x0f;
      let raw = control >> 4;
      if (run === 1) {
        run = 16 + raw;
        raw = 0;
      } else if (run === 2) {
        run = 32 + raw;
        raw = 0;
      }
      if (raw + run === 0) {
        throw new RdpCodecError(
          'RDP_CODEC_BAD_ORDER',
          `planar ${width}x${height}: zero control byte at byte ${s - 1}`,
        );
      }
      if (x + raw + run > width) {
        throw new RdpCodecError(
          'RDP_CODEC_OVERRUN',
          `planar ${width}x${height}: a segment at byte ${s - 1} runs past the end of scanline ${y}`,
        );
      }
      if (s + raw > end) {
        throw new RdpCodecError(
          'RDP_CODEC_TRUNCATED',
          `planar ${width}x${height}: segment at byte ${s - 1} is cut short`,
        );
      }
      if (y === 0) {
        for (; raw > 0; raw--, x++) {
          value = src[s++]!;
          out[row + x * 4] = value;
        }
        for (; run > 0; run--, x++) out[row + x * 4] = value;
      } else {
        for (; raw > 0; raw--, x++) {
          const coded = src[s++]!;
          value = coded & 1 ? -((coded >> 1) + 1) : coded >> 1;
          out[row + x * 4] = (out[above + x * 4]! + value) & 0xff;
        }
        for (; run > 0; run--, x++) out[row + x * 4] = (out[above + x * 4]! + value) & 0xff;
      }
    }
  }
  return s;
}
