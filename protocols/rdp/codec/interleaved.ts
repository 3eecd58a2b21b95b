import { RdpCodecError } from './errors.ts';

/**
 * Interleaved RLE (MS-RDPBCGR 2.2.9.1.1.3.1.2.4, decoding as in 3.1.9) for 8, 15, 16 and 24 bpp.
 *
 * `decodeInterleaved` writes native pixel values (palette index, packed 15/16-bit, 0xRRGGBB)
 * into `out`, one 32-bit slot a pixel, in stream order: the first scanline in the stream is the
 * BOTTOM row of the picture. The caller converts to RGBA and flips. Pixels the stream leaves
 * unwritten are black. Every read is checked against the input's end and every write against the
 * output's, before the order runs; a malformed stream throws `RdpCodecError` and leaves nothing
 * behind but a partly written `out`.
 */

// Order codes: regular (3-bit code, 5-bit length), lite (4-bit code, 4-bit length), and the
// full-byte extended ("mega-mega") and single-byte special orders.
const REGULAR_BG_RUN = 0x0;
const REGULAR_FG_RUN = 0x1;
const REGULAR_FGBG_IMAGE = 0x2;
const REGULAR_COLOR_RUN = 0x3;
const REGULAR_COLOR_IMAGE = 0x4;
const LITE_SET_FG_FG_RUN = 0xc;
const LITE_SET_FG_FGBG_IMAGE = 0xd;
const LITE_DITHERED_RUN = 0xe;
const MEGA_MEGA_BG_RUN = 0xf0;
const MEGA_MEGA_FG_RUN = 0xf1;
const MEGA_MEGA_FGBG_IMAGE = 0xf2;
const MEGA_MEGA_COLOR_RUN = 0xf3;
const MEGA_MEGA_COLOR_IMAGE = 0xf4;
const MEGA_MEGA_SET_FG_RUN = 0xf6;
const MEGA_MEGA_SET_FGBG_IMAGE = 0xf7;
const MEGA_MEGA_DITHERED_RUN = 0xf8;
const SPECIAL_FGBG_1 = 0xf9;
const SPECIAL_FGBG_2 = 0xfa;
const WHITE = 0xfd;
const BLACK = 0xfe;

/** The fixed bit masks of the two special foreground/background orders (8 pixels each). */
const SPECIAL_FGBG_1_MASK = 0x03;
const SPECIAL_FGBG_2_MASK = 0x05;

export function whitePixel(bytesPerPixel: 1 | 2 | 3, bpp: 8 | 15 | 16 | 24): number {
  if (bpp === 15) return 0x7fff;
  return bytesPerPixel === 1 ? 0xff : bytesPerPixel === 2 ? 0xffff : 0xffffff;
}

/** The order code of a header byte: regular unless the top two bits are set, then lite or full-byte. */
function orderCode(header: number): number {
  if ((header & 0xc0) !== 0xc0) return header >> 5;
  if ((header & 0xf0) === 0xf0) return header;
  return header >> 4;
}

export function decodeInterleaved(
  src: Uint8Array,
  width: number,
  height: number,
  bpp: 8 | 15 | 16 | 24,
  out: Uint32Array,
): void {
  const pixelSize: 1 | 2 | 3 = bpp === 8 ? 1 : bpp === 24 ? 3 : 2;
  const total = width * height;
  const end = src.length;
  const white = whitePixel(pixelSize, bpp);

  let s = 0;
  let d = 0;
  let fgPel = white;
  let insertFgPel = false;
  let firstLine = true;

  const truncated = (need: number): never => {
    throw new RdpCodecError(
      'RDP_CODEC_TRUNCATED',
      `interleaved ${width}x${height}: an order at byte ${s} needs ${need} bytes, ${end - s} left`,
    );
  };
  const overrun = (pixels: number): never => {
    throw new RdpCodecError(
      'RDP_CODEC_OVERRUN',
      `interleaved ${width}x${height}: an order at byte ${s} writes ${pixels} pixels at pixel ${d} of ${total}`,
    );
  };
  const readPixel = (at: number): number =>
    pixelSize === 1
      ? src[at]!
      : pixelSize === 2
        ? src[at]! | (src[at + 1]! << 8)
        : src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16);

  while (s < end) {
    // The first scanline has no row above it: orders that start on it read black instead, and
    // the "insert a foreground pixel between two background runs" rule restarts when it ends.
    if (firstLine && d >= width) {
      firstLine = false;
      insertFgPel = false;
    }
    const header = src[s]!;
    const code = orderCode(header);

    // Run length and header size (MS-RDPBCGR 3.1.9, ExtractRunLength).
    let run: number;
    let headerSize = 1;
    switch (code) {
      case REGULAR_BG_RUN:
      case REGULAR_FG_RUN:
      case REGULAR_COLOR_RUN:
      case REGULAR_COLOR_IMAGE:
        run = header & 0x1f;
        if (run === 0) {
          if (s + 2 > end) truncated(2);
          run = src[s + 1]! + 32;
          headerSize = 2;
        }
        break;
      case REGULAR_FGBG_IMAGE:
        run = header & 0x1f;
        if (run === 0) {
          if (s + 2 > end) truncated(2);
          run = src[s + 1]! + 1;
          headerSize = 2;
        } else {
          run *= 8;
        }
        break;
      case LITE_SET_FG_FG_RUN:
      case LITE_DITHERED_RUN:
        run = header & 0x0f;
        if (run === 0) {
          if (s + 2 > end) truncated(2);
          run = src[s + 1]! + 16;
          headerSize = 2;
        }
        break;
      case LITE_SET_FG_FGBG_IMAGE:
        run = header & 0x0f;
        if (run === 0) {
          if (s + 2 > end) truncated(2);
          run = src[s + 1]! + 1;
          headerSize = 2;
        } else {
          run *= 8;
        }
        break;
      case MEGA_MEGA_BG_RUN:
      case MEGA_MEGA_FG_RUN:
      case MEGA_MEGA_FGBG_IMAGE:
      case MEGA_MEGA_COLOR_RUN:
      case MEGA_MEGA_COLOR_IMAGE:
      case MEGA_MEGA_SET_FG_RUN:
      case MEGA_MEGA_SET_FGBG_IMAGE:
      case MEGA_MEGA_DITHERED_RUN:
        if (s + 3 > end) truncated(3);
        run = src[s + 1]! | (src[s + 2]! << 8);
        headerSize = 3;
        break;
      case SPECIAL_FGBG_1:
      case SPECIAL_FGBG_2:
        run = 8;
        break;
      case WHITE:
      case BLACK:
        run = 1;
        break;
      default:
        throw new RdpCodecError(
          'RDP_CODEC_BAD_ORDER',
          `interleaved ${width}x${height}: order header 0x${header.toString(16)} at byte ${s} is not defined`,
        );
    }

    if (code === REGULAR_BG_RUN || code === MEGA_MEGA_BG_RUN) {
      if (d + run > total) overrun(run);
      s += headerSize;
      let n = run;
      if (firstLine) {
        if (insertFgPel && n > 0) {
          out[d++] = fgPel;
          n--;
        }
        out.fill(0, d, d + n);
        d += n;
      } else {
        if (insertFgPel && n > 0) {
          out[d] = out[d - width]! ^ fgPel;
          d++;
          n--;
        }
        // Copy the row above; a run longer than a row reads pixels this run has just written.
        for (; n > 0; n--, d++) out[d] = out[d - width]!;
      }
      insertFgPel = true;
      continue;
    }
    insertFgPel = false;

    switch (code) {
      case REGULAR_FG_RUN:
      case MEGA_MEGA_FG_RUN:
      case LITE_SET_FG_FG_RUN:
      case MEGA_MEGA_SET_FG_RUN: {
        const sets = code === LITE_SET_FG_FG_RUN || code === MEGA_MEGA_SET_FG_RUN;
        const need = headerSize + (sets ? pixelSize : 0);
        if (s + need > end) truncated(need);
        if (d + run > total) overrun(run);
        if (sets) fgPel = readPixel(s + headerSize);
        s += need;
        if (firstLine) {
          out.fill(fgPel, d, d + run);
          d += run;
        } else {
          for (let n = run; n > 0; n--, d++) out[d] = out[d - width]! ^ fgPel;
        }
        break;
      }
      case LITE_DITHERED_RUN:
      case MEGA_MEGA_DITHERED_RUN: {
        const need = headerSize + 2 * pixelSize;
        if (s + need > end) truncated(need);
        if (d + 2 * run > total) overrun(2 * run);
        const a = readPixel(s + headerSize);
        const b = readPixel(s + headerSize + pixelSize);
        s += need;
        for (let n = run; n > 0; n--) {
          out[d++] = a;
          out[d++] = b;
        }
        break;
      }
      case REGULAR_COLOR_RUN:
      case MEGA_MEGA_COLOR_RUN: {
        const need = headerSize + pixelSize;
        if (s + need > end) truncated(need);
        if (d + run > total) overrun(run);
        const pel = readPixel(s + headerSize);
        s += need;
        out.fill(pel, d, d + run);
        d += run;
        break;
      }
      case REGULAR_FGBG_IMAGE:
      case MEGA_MEGA_FGBG_IMAGE:
      case LITE_SET_FG_FGBG_IMAGE:
      case MEGA_MEGA_SET_FGBG_IMAGE: {
        const sets = code === LITE_SET_FG_FGBG_IMAGE || code === MEGA_MEGA_SET_FGBG_IMAGE;
        const maskBytes = (run + 7) >> 3;
        const need = headerSize + (sets ? pixelSize : 0) + maskBytes;
        if (s + need > end) truncated(need);
        if (d + run > total) overrun(run);
        if (sets) fgPel = readPixel(s + headerSize);
        s += need - maskBytes;
        for (let left = run; left > 0; left -= 8) {
          d = writeFgBg(out, d, width, src[s++]!, left < 8 ? left : 8, fgPel, firstLine);
        }
        break;
      }
      case REGULAR_COLOR_IMAGE:
      case MEGA_MEGA_COLOR_IMAGE: {
        const need = headerSize + run * pixelSize;
        if (s + need > end) truncated(need);
        if (d + run > total) overrun(run);
        s += headerSize;
        if (pixelSize === 1) {
          for (let n = run; n > 0; n--) out[d++] = src[s++]!;
        } else if (pixelSize === 2) {
          for (let n = run; n > 0; n--, s += 2) out[d++] = src[s]! | (src[s + 1]! << 8);
        } else {
          for (let n = run; n > 0; n--, s += 3) out[d++] = src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16);
        }
        break;
      }
      case SPECIAL_FGBG_1:
      case SPECIAL_FGBG_2:
        if (d + 8 > total) overrun(8);
        s += 1;
        d = writeFgBg(
          out,
          d,
          width,
          code === SPECIAL_FGBG_1 ? SPECIAL_FGBG_1_MASK : SPECIAL_FGBG_2_MASK,
          8,
          fgPel,
          firstLine,
        );
        break;
      case WHITE:
      case BLACK:
        if (d + 1 > total) overrun(1);
        s += 1;
        out[d++] = code === WHITE ? white : 0;
        break;
    }
  }
  out.fill(0, d, total);
}

/**
 * Up to 8 pixels from one bit mask, least significant bit first: a set bit is the foreground
 * colour XORed onto the pixel above (the foreground itself on the first scanline), a clear bit
 * is the pixel above (black on the first scanline).
 */
function writeFgBg(
  out: Uint32Array,
  d: number,
  width: number,
  mask: number,
  count: number,
  fgPel: number,
  firstLine: boolean,
): number {
  if (firstLine) {
    for (let bit = 0; bit < count; bit++) out[d++] = mask & (1 << bit) ? fgPel : 0;
  } else {
    for (let bit = 0; bit < count; bit++, d++)
      out[d] = mask & (1 << bit) ? out[d - width]! ^ fgPel : out[d - width]!;
  }
  return d;
}
