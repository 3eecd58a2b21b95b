/**
 * A test-side encoder for the RDP 6.0 planar codec (MS-RDPEGDI 2.2.2.5.1, 3.1.9.2), ARGB planes
 * only, written as the encoding side of the specification so decoder tests and property tests
 * can make streams from pictures.
 */

export interface PlanarOptions {
  rle: boolean;
  /** false sets the NoAlpha flag and sends no alpha plane. */
  alpha: boolean;
  /** Append the pad byte the specification puts after raw planes. */
  pad?: boolean;
}

/** `rgba` top-down, as the decoder outputs it; the stream carries scanlines bottom-up. */
export function encodePlanar(
  rgba: ArrayLike<number>,
  width: number,
  height: number,
  options: PlanarOptions,
): Uint8Array {
  const header = (options.rle ? 0x10 : 0) | (options.alpha ? 0 : 0x20);
  const out: number[] = [header];
  const channels = options.alpha ? [3, 0, 1, 2] : [0, 1, 2];
  for (const channel of channels) {
    const plane: number[][] = [];
    for (let y = height - 1; y >= 0; y--) {
      const row: number[] = [];
      for (let x = 0; x < width; x++) row.push(rgba[(y * width + x) * 4 + channel]!);
      plane.push(row);
    }
    if (options.rle) out.push(...encodeRlePlane(plane));
    else for (const row of plane) out.push(...row);
  }
  if (!options.rle && options.pad) out.push(0);
  return Uint8Array.from(out);
}

/** Deltas below the first scanline are stored as 2·d (d ≥ 0) or 2·|d| − 1 (d < 0). */
export function encodeDelta(current: number, above: number): number {
  let d = (current - above) & 0xff;
  if (d >= 128) d -= 256;
  return d >= 0 ? 2 * d : 2 * -d - 1;
}

export function encodeRlePlane(plane: number[][]): number[] {
  const out: number[] = [];
  plane.forEach((row, y) => {
    const codes = y === 0 ? row : row.map((v, x) => encodeDelta(v, plane[y - 1]![x]!));
    out.push(...encodeScanline(codes));
  });
  return out;
}

/**
 * One scanline as segments: up to 15 raw values then a run (0 or 3..15) of the last one, or a
 * run-only segment (3..47) repeating the scanline's last value so far (zero at its start).
 */
export function encodeScanline(codes: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let last = 0;
  const runOf = (value: number, from: number, max: number): number => {
    let k = 0;
    while (from + k < codes.length && k < max && codes[from + k] === value) k++;
    return k;
  };
  while (i < codes.length) {
    const runOnly = runOf(last, i, 47);
    if (runOnly >= 3) {
      if (runOnly >= 32) out.push(((runOnly - 32) << 4) | 2);
      else if (runOnly >= 16) out.push(((runOnly - 16) << 4) | 1);
      else out.push(runOnly);
      i += runOnly;
      continue;
    }
    const raws: number[] = [];
    while (i < codes.length && raws.length < 15) {
      last = codes[i++]!;
      raws.push(last);
      if (runOf(last, i, 3) === 3) break;
    }
    let run = runOf(last, i, 15);
    if (run < 3) run = 0;
    out.push((raws.length << 4) | run, ...raws);
    i += run;
  }
  return out;
}
