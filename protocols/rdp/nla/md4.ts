// MD4 (RFC 1320), written here because Node 20's OpenSSL 3 keeps it in the legacy provider and
// refuses `createHash('md4')`; NTLM's password hash (NTOWF) is MD4 of the UTF-16LE password and
// needs nothing else from it. Not for any other use: MD4 is broken as a general-purpose hash.

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

const F = (x: number, y: number, z: number): number => (x & y) | (~x & z);
const G = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
const H = (x: number, y: number, z: number): number => x ^ y ^ z;

/** The 16-byte MD4 digest of `data`. */
export function md4(data: Uint8Array): Uint8Array {
  // Padding: a 1 bit, zeros up to 56 mod 64, then the bit length as a 64-bit little-endian number.
  const padded = new Uint8Array((((data.length + 8) >> 6) + 1) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = data.length * 8;
  view.setUint32(padded.length - 8, bits >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(bits / 2 ** 32), true);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Array<number>(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getUint32(off + i * 4, true);
    const [aa, bb, cc, dd] = [a, b, c, d];
    // Round 1: F, message words in order, shifts 3 7 11 19.
    for (const i of [0, 4, 8, 12]) {
      a = rotl(a + F(b, c, d) + x[i]!, 3);
      d = rotl(d + F(a, b, c) + x[i + 1]!, 7);
      c = rotl(c + F(d, a, b) + x[i + 2]!, 11);
      b = rotl(b + F(c, d, a) + x[i + 3]!, 19);
    }
    // Round 2: G, words by column, constant 0x5a827999, shifts 3 5 9 13.
    for (const i of [0, 1, 2, 3]) {
      a = rotl(a + G(b, c, d) + x[i]! + 0x5a827999, 3);
      d = rotl(d + G(a, b, c) + x[i + 4]! + 0x5a827999, 5);
      c = rotl(c + G(d, a, b) + x[i + 8]! + 0x5a827999, 9);
      b = rotl(b + G(c, d, a) + x[i + 12]! + 0x5a827999, 13);
    }
    // Round 3: H, words in bit-reversed order, constant 0x6ed9eba1, shifts 3 9 11 15.
    for (const i of [0, 2, 1, 3]) {
      a = rotl(a + H(b, c, d) + x[i]! + 0x6ed9eba1, 3);
      d = rotl(d + H(a, b, c) + x[i + 8]! + 0x6ed9eba1, 9);
      c = rotl(c + H(d, a, b) + x[i + 4]! + 0x6ed9eba1, 11);
      b = rotl(b + H(c, d, a) + x[i + 12]! + 0x6ed9eba1, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  [a, b, c, d].forEach((w, i) => ov.setUint32(i * 4, w >>> 0, true));
  return out;
}
