/**
 * UTF-8 at chunk boundaries: a target may cut a multi-byte character across two reads. The mux
 * keeps the incomplete tail back so the headless terminal sees whole characters, and a viewer
 * who subscribes between the two halves still receives the first half.
 */

/** How many bytes at the end of `buf` start a character that is not complete yet (0–3). */
export function incompleteTail(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const need =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Streaming splitter: whole characters out as text, the incomplete tail carried to the next chunk. */
export class Utf8Carry {
  #carry: Buffer = Buffer.alloc(0);

  /** The bytes of a character begun but not finished (what a new subscriber must get first). */
  get carry(): Buffer {
    return this.#carry;
  }

  /** The text of every character completed by `chunk`. */
  push(chunk: Buffer): string {
    const all = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    const tail = incompleteTail(all);
    this.#carry = tail ? Buffer.from(all.subarray(all.length - tail)) : Buffer.alloc(0);
    return all.subarray(0, all.length - tail).toString('utf8');
  }
}
