/**
 * How many bytes the cast line of a raw record takes (container-format.ts `renderRaw`: the bytes
 * decoded as UTF-8 with U+FFFD for each invalid sequence, as JSON), counted straight from the
 * bytes. The writer needs this length for every raw record (the cast offsets of the side index and
 * of each chunk); drawing the line only to measure it decoded, escaped and re-encoded every byte
 * of binary output, most of the cost of recording it. Follows the WHATWG UTF-8 decoder that
 * TextDecoder implements (a leading byte-order mark is dropped, a sequence that breaks off is one
 * U+FFFD and its breaking byte starts afresh) and JSON.stringify's escapes (`\n`-style for
 * backspace, tab, newline, form feed, carriage return, quote and backslash; `\u00XX` for the other
 * control characters below 0x20).
 */

/** Escaped length of each ASCII byte in JSON. */
const ASCII_JSON_LENGTH = (() => {
  const t = new Uint8Array(128).fill(1);
  for (let c = 0; c < 0x20; c++) t[c] = 6;
  for (const c of [0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x22, 0x5c]) t[c] = 2;
  return t;
})();

/** Bytes of U+FFFD in UTF-8. */
const REPLACEMENT = 3;

/** Bytes of `JSON.stringify(new TextDecoder('utf-8').decode(raw))` in UTF-8, quotes included. */
export function decodedJsonLength(raw: Uint8Array): number {
  let n = 2;
  let i = raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  const end = raw.length;
  while (i < end) {
    const b = raw[i]!;
    if (b < 0x80) {
      n += ASCII_JSON_LENGTH[b]!;
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      else if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      else if (b === 0xf4) upper = 0x8f;
    } else {
      n += REPLACEMENT;
      i++;
      continue;
    }
    // The continuation bytes: the first within [lower, upper], the rest within [0x80, 0xbf].
    let j = i + 1;
    let got = 0;
    while (got < need && j < end) {
      const c = raw[j]!;
      if (c < lower || c > upper) break;
      lower = 0x80;
      upper = 0xbf;
      got++;
      j++;
    }
    // A whole character keeps its bytes; a broken one is one U+FFFD, and the byte that broke it
    // (not consumed) is read again as the start of what follows.
    n += got === need ? need + 1 : REPLACEMENT;
    i = j;
  }
  return n;
}
