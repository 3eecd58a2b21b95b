/**
 * A test-side ENCODER for RDP bitmaps, so decoder tests read as "a colour run of 5, then a
 * background run of 3" instead of hex, and property tests can turn any picture into a stream.
 * Written from the same specification sections as the decoder (MS-RDPBCGR 2.2.9.1.1.3.1.2.4 for
 * interleaved RLE, MS-RDPEGDI 2.2.2.5.1 for planar), but as the encoding side: a bug would have
 * to be made twice, in opposite directions, to hide.
 */

export type InterleavedDepth = 8 | 15 | 16 | 24;

/** How an order carries its length: in the header, in one extra byte, or in two (mega-mega). */
export type LengthForm = 'short' | 'extended' | 'mega';

export function pixelSizeOf(bpp: InterleavedDepth): 1 | 2 | 3 {
  return bpp === 8 ? 1 : bpp === 24 ? 3 : 2;
}

export function whiteOf(bpp: InterleavedDepth): number {
  return bpp === 8 ? 0xff : bpp === 15 ? 0x7fff : bpp === 16 ? 0xffff : 0xffffff;
}

/** Writes interleaved RLE orders one call each. */
export class InterleavedWriter {
  readonly bytes: number[] = [];
  constructor(readonly bpp: InterleavedDepth) {}

  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  pixel(value: number): this {
    const size = pixelSizeOf(this.bpp);
    for (let i = 0; i < size; i++) this.bytes.push((value >> (8 * i)) & 0xff);
    return this;
  }

  /** Background run: copies the row above (black on the first scanline). Regular code 0 / 0xF0. */
  bgRun(n: number, form?: LengthForm): this {
    return this.regular(0x0, 0xf0, n, form);
  }

  /** Foreground run with the current foreground colour. Regular code 1 / 0xF1. */
  fgRun(n: number, form?: LengthForm): this {
    return this.regular(0x1, 0xf1, n, form);
  }

  /** Sets the foreground colour, then a foreground run. Lite code 0xC / 0xF6. */
  setFgRun(n: number, fg: number, form?: LengthForm): this {
    this.lite(0xc, 0xf6, n, form);
    return this.pixel(fg);
  }

  /** Alternating pixels a, b, n times (2n pixels). Lite code 0xE / 0xF8. */
  dithered(n: number, a: number, b: number, form?: LengthForm): this {
    this.lite(0xe, 0xf8, n, form);
    return this.pixel(a).pixel(b);
  }

  /** n pixels of one colour. Regular code 3 / 0xF3. */
  colorRun(n: number, value: number, form?: LengthForm): this {
    this.regular(0x3, 0xf3, n, form);
    return this.pixel(value);
  }

  /** Literal pixels. Regular code 4 / 0xF4. */
  colorImage(values: readonly number[], form?: LengthForm): this {
    this.regular(0x4, 0xf4, values.length, form);
    for (const v of values) this.pixel(v);
    return this;
  }

  /** n pixels from bit masks (least significant bit first). Regular code 2 / 0xF2. */
  fgbgImage(n: number, masks: readonly number[], form?: LengthForm): this {
    this.maskOrder(0x2 << 5, 0x1f, 0xf2, n, form);
    this.bytes.push(...masks);
    return this;
  }

  /** Sets the foreground colour, then a bit-mask image. Lite code 0xD / 0xF7. */
  setFgFgbgImage(n: number, fg: number, masks: readonly number[], form?: LengthForm): this {
    this.maskOrder(0xd << 4, 0x0f, 0xf7, n, form);
    this.pixel(fg);
    this.bytes.push(...masks);
    return this;
  }

  /** 8 pixels with the fixed mask 0x03. */
  specialFgbg1(): this {
    this.bytes.push(0xf9);
    return this;
  }

  /** 8 pixels with the fixed mask 0x05. */
  specialFgbg2(): this {
    this.bytes.push(0xfa);
    return this;
  }

  white(): this {
    this.bytes.push(0xfd);
    return this;
  }

  black(): this {
    this.bytes.push(0xfe);
    return this;
  }

  /** Any bytes, for malformed streams. */
  raw(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private regular(code: number, mega: number, n: number, form?: LengthForm): this {
    const chosen = form ?? (n >= 1 && n <= 31 ? 'short' : n >= 32 && n <= 287 ? 'extended' : 'mega');
    if (chosen === 'short') {
      if (n < 1 || n > 31) throw new Error(`short regular run of ${n}`);
      this.bytes.push((code << 5) | n);
    } else if (chosen === 'extended') {
      if (n < 32 || n > 287) throw new Error(`extended regular run of ${n}`);
      this.bytes.push(code << 5, n - 32);
    } else {
      this.mega(mega, n);
    }
    return this;
  }

  private lite(code: number, mega: number, n: number, form?: LengthForm): this {
    const chosen = form ?? (n >= 1 && n <= 15 ? 'short' : n >= 16 && n <= 271 ? 'extended' : 'mega');
    if (chosen === 'short') {
      if (n < 1 || n > 15) throw new Error(`short lite run of ${n}`);
      this.bytes.push((code << 4) | n);
    } else if (chosen === 'extended') {
      if (n < 16 || n > 271) throw new Error(`extended lite run of ${n}`);
      this.bytes.push(code << 4, n - 16);
    } else {
      this.mega(mega, n);
    }
    return this;
  }

  /** Bit-mask orders count eighths in the header, or pixels minus one in the extra byte. */
  private maskOrder(header: number, lengthMask: number, mega: number, n: number, form?: LengthForm): void {
    const shortOk = n % 8 === 0 && n / 8 >= 1 && n / 8 <= lengthMask;
    const chosen = form ?? (shortOk ? 'short' : n >= 1 && n <= 256 ? 'extended' : 'mega');
    if (chosen === 'short') {
      if (!shortOk) throw new Error(`short bit-mask run of ${n}`);
      this.bytes.push(header | (n / 8));
    } else if (chosen === 'extended') {
      if (n < 1 || n > 256) throw new Error(`extended bit-mask run of ${n}`);
      this.bytes.push(header, n - 1);
    } else {
      this.mega(mega, n);
    }
  }

  private mega(code: number, n: number): void {
    if (n < 0 || n > 0xffff) throw new Error(`mega run of ${n}`);
    this.bytes.push(code, n & 0xff, n >> 8);
  }
}

/** Picks one of the length forms an order may use; tests vary it to cover every form. */
export type FormPicker = (forms: readonly LengthForm[]) => LengthForm;

const shortest: FormPicker = (forms) => forms[0]!;

function regularForms(n: number): LengthForm[] {
  const forms: LengthForm[] = [];
  if (n >= 1 && n <= 31) forms.push('short');
  if (n >= 32 && n <= 287) forms.push('extended');
  forms.push('mega');
  return forms;
}

function liteForms(n: number): LengthForm[] {
  const forms: LengthForm[] = [];
  if (n >= 1 && n <= 15) forms.push('short');
  if (n >= 16 && n <= 271) forms.push('extended');
  forms.push('mega');
  return forms;
}

function maskForms(n: number, lengthMask: number): LengthForm[] {
  const forms: LengthForm[] = [];
  if (n % 8 === 0 && n / 8 >= 1 && n / 8 <= lengthMask) forms.push('short');
  if (n >= 1 && n <= 256) forms.push('extended');
  forms.push('mega');
  return forms;
}

/**
 * Encodes a picture given as native pixel values in STREAM order (the first scanline is the
 * bottom row). Greedy, tracking the decoder's state (foreground colour, first scanline, the
 * pixel inserted between background runs) so the stream decodes back to exactly `pixels`.
 * Orders never cross the end of the first scanline, where the rules change.
 */
export function encodeInterleaved(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  bpp: InterleavedDepth,
  pick: FormPicker = shortest,
): Uint8Array {
  const w = new InterleavedWriter(bpp);
  const total = width * height;
  const white = whiteOf(bpp);
  let fgPel = white;
  let d = 0;
  let lastWasBg = false;
  const px = (i: number): number => pixels[i]!;
  const above = (i: number): number => pixels[i - width]!;

  while (d < total) {
    const firstLine = d < width;
    if (d === width) lastWasBg = false;
    const limit = firstLine ? width : total;
    const countWhile = (ok: (i: number) => boolean, max = 0xffff): number => {
      let k = 0;
      while (d + k < limit && k < max && ok(d + k)) k++;
      return k;
    };

    // Background run (not straight after another: the decoder would insert a foreground pixel).
    if (!lastWasBg) {
      const k = countWhile((i) => (firstLine ? px(i) === 0 : px(i) === above(i)));
      if (k >= 1) {
        w.bgRun(k, pick(regularForms(k)));
        d += k;
        lastWasBg = true;
        continue;
      }
    }
    lastWasBg = false;

    const colorRun = countWhile((i) => px(i) === px(d));
    if (colorRun >= 3) {
      w.colorRun(colorRun, px(d), pick(regularForms(colorRun)));
      d += colorRun;
      continue;
    }

    if (!firstLine) {
      const xor = px(d) ^ above(d);
      const k = countWhile((i) => (px(i) ^ above(i)) === xor);
      if (xor !== 0 && k >= 3) {
        if (xor === fgPel && pick(['short', 'mega']) === 'short') {
          w.fgRun(k, pick(regularForms(k)));
        } else {
          fgPel = xor;
          w.setFgRun(k, xor, pick(liteForms(k)));
        }
        d += k;
        continue;
      }
      // A bit-mask image: every pixel either the one above or the one above XOR foreground.
      const fgCandidate = xor !== 0 ? xor : fgPel;
      const m = countWhile((i) => px(i) === above(i) || px(i) === (above(i) ^ fgCandidate), 256);
      if (m >= 8) {
        const masks: number[] = [];
        for (let b = 0; b < m; b += 8) {
          let mask = 0;
          for (let bit = 0; bit < 8 && b + bit < m; bit++) {
            if (px(d + b + bit) !== above(d + b + bit)) mask |= 1 << bit;
          }
          masks.push(mask);
        }
        const special =
          m === 8 && fgCandidate === fgPel ? (masks[0] === 0x03 ? 1 : masks[0] === 0x05 ? 2 : 0) : 0;
        if (special === 1) w.specialFgbg1();
        else if (special === 2) w.specialFgbg2();
        else if (fgCandidate === fgPel) w.fgbgImage(m, masks, pick(maskForms(m, 0x1f)));
        else {
          fgPel = fgCandidate;
          w.setFgFgbgImage(m, fgCandidate, masks, pick(maskForms(m, 0x0f)));
        }
        d += m;
        continue;
      }
    }

    // Dithered: a, b, a, b… for at least 3 pairs.
    if (d + 1 < limit && px(d) !== px(d + 1)) {
      let pairs = 0;
      while (
        d + 2 * pairs + 1 < limit &&
        pairs < 0xffff &&
        px(d + 2 * pairs) === px(d) &&
        px(d + 2 * pairs + 1) === px(d + 1)
      )
        pairs++;
      if (pairs >= 3) {
        w.dithered(pairs, px(d), px(d + 1), pick(liteForms(pairs)));
        d += 2 * pairs;
        continue;
      }
    }

    if (px(d) === white && pick(['short', 'mega']) === 'short') {
      w.white();
      d += 1;
      continue;
    }
    if (px(d) === 0) {
      w.black();
      d += 1;
      continue;
    }

    // Literal pixels up to where a colour run of 3 starts.
    let k = 1;
    while (
      d + k < limit &&
      k < 1000 &&
      !(d + k + 2 < limit && px(d + k) === px(d + k + 1) && px(d + k) === px(d + k + 2))
    )
      k++;
    const values: number[] = [];
    for (let i = 0; i < k; i++) values.push(px(d + i));
    w.colorImage(values, pick(regularForms(k)));
    d += k;
  }
  return w.build();
}

/** Native values in stream order to RGBA top-down, the way the specification defines the colours. */
export function expectedRgba(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  bpp: InterleavedDepth,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = nativeToRgb(pixels[y * width + x]!, bpp);
      const o = ((height - 1 - y) * width + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  }
  return out;
}

/** Channels scaled as floor(v × 255 / max); 8 bpp read through the 3-3-2 default palette. */
export function nativeToRgb(v: number, bpp: InterleavedDepth): [number, number, number] {
  const s = (x: number, max: number): number => Math.floor((x * 255) / max);
  switch (bpp) {
    case 8:
      return [s((v >> 5) & 7, 7), s((v >> 2) & 7, 7), s(v & 3, 3)];
    case 15:
      return [s((v >> 10) & 31, 31), s((v >> 5) & 31, 31), s(v & 31, 31)];
    case 16:
      return [s((v >> 11) & 31, 31), s((v >> 5) & 63, 63), s(v & 31, 31)];
    case 24:
      return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
}
