// The X server's own picture of a test desktop (`xwd -root`), as RGBA: what the target really
// shows, for comparing with what a viewer drew. Reads the XWD format's ZPixmap at 24/32 bits per
// pixel, the depth of every test display (Xvfb at 24 bits, xorgxrdp at 24/32).
import { readFileSync, rmSync } from 'node:fs';
import type { RdpTestServer } from './rdp-servers.ts';

export interface RootImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Field indexes of the XWD header (25 big-endian 32-bit words). */
const F = {
  headerSize: 0,
  format: 2,
  width: 4,
  height: 5,
  byteOrder: 7,
  bitsPerPixel: 11,
  bytesPerLine: 12,
  redMask: 14,
  greenMask: 15,
  blueMask: 16,
  ncolors: 19,
} as const;
const ZPIXMAP = 2;

export function parseXwd(buf: Buffer): RootImage {
  const word = (i: number) => buf.readUInt32BE(i * 4);
  if (word(F.format) !== ZPIXMAP) throw new Error(`xwd: pixmap format ${word(F.format)}, not ZPixmap`);
  const bpp = word(F.bitsPerPixel);
  if (bpp !== 32 && bpp !== 24) throw new Error(`xwd: ${bpp} bits per pixel`);
  const width = word(F.width);
  const height = word(F.height);
  const stride = word(F.bytesPerLine);
  const lsbFirst = word(F.byteOrder) === 0;
  const masks = [word(F.redMask), word(F.greenMask), word(F.blueMask)];
  // Each mask is 8 bits wide at these depths: the shift is its trailing zeros.
  const shifts = masks.map((m) => (m ? 31 - Math.clz32(m & -m) : 0));
  const data = word(F.headerSize) + word(F.ncolors) * 12;
  const rgba = new Uint8Array(width * height * 4);
  const step = bpp / 8;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const at = data + y * stride + x * step;
      const px =
        step === 4
          ? lsbFirst
            ? buf.readUInt32LE(at)
            : buf.readUInt32BE(at)
          : lsbFirst
            ? buf.readUIntLE(at, 3)
            : buf.readUIntBE(at, 3);
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) rgba[o + c] = ((px & masks[c]!) >>> shifts[c]!) & 0xff;
      rgba[o + 3] = 255;
    }
  return { width, height, rgba };
}

/** The desktop's whole screen as its X server has it now. */
export function rootImage(server: RdpTestServer): RootImage {
  const file = `/tmp/custody-xwd-${server.user.name}-${process.pid}.xwd`;
  try {
    server.onDisplay('sh', ['-c', `xwd -root -silent > ${file}`]);
    return parseXwd(readFileSync(file));
  } finally {
    rmSync(file, { force: true });
  }
}
