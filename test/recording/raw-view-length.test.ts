// The writer counts a raw record's cast line straight from its bytes; the count must equal the
// length of the line the reader draws (renderRaw), or every cast offset after it would be wrong.
// Checked on the cases where decoding is subtle (overlong forms, surrogates, cut sequences, the
// byte-order mark, escapes) and on random bytes.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RECORD, renderRaw } from '../../core/recording/container-format.ts';
import { decodedJsonLength } from '../../core/recording/raw-view-length.ts';

const drawn = (raw: Buffer) => renderRaw(RECORD.rawOutput, 1.5, raw).length - '[1.500000, "o", ]\n'.length;

const tricky: number[][] = [
  [],
  [0xef, 0xbb, 0xbf, 0x41],
  [0x41, 0xef, 0xbb, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xe0, 0xa0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0x9f, 0xbf],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80],
  [0xf4, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xc2],
  [0xe2, 0x82],
  [0xe2, 0x82, 0x41],
  [0xf0, 0x9f, 0x98],
  [0x80, 0xbf],
  [0xff, 0xfe],
  [0x00, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f, 0x22, 0x5c, 0x7f],
  [0xe2, 0x80, 0xa8, 0xe2, 0x80, 0xa9],
];

describe('the cast length of a raw record, counted from its bytes', () => {
  it('equals the drawn line on the subtle cases of UTF-8 decoding and JSON escaping', () => {
    for (const bytes of tricky) {
      const raw = Buffer.from(bytes);
      expect(decodedJsonLength(raw), raw.toString('hex')).toBe(drawn(raw));
    }
  });

  it('equals the drawn line on random bytes and on random mixes of the subtle cases', () => {
    for (let k = 0; k < 2000; k++) {
      const raw =
        k % 2
          ? randomBytes(k % 97)
          : Buffer.from(
              Array.from({ length: k % 9 }, (_, i) => tricky[(k * 7 + i * 13) % tricky.length]!).flat(),
            );
      expect(decodedJsonLength(raw), raw.toString('hex')).toBe(drawn(raw));
    }
    const big = randomBytes(256 * 1024);
    expect(decodedJsonLength(big)).toBe(drawn(big));
  });
});
