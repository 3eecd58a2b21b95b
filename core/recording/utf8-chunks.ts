/**
 * One direction of a session's bytes (output or input), as the asciicast writer stores them:
 * valid UTF-8 becomes text, anything else is kept raw. A character split across chunks is held
 * back and joined with the next chunk rather than written as U+FFFD; after a suspension, the rest
 * of a character whose start was dropped is skipped.
 */
import { isUtf8 } from 'node:buffer';
import { incompleteTail } from './asciicast-records.ts';

export type Utf8Piece = { text: Buffer } | { raw: Buffer };

export class Utf8Chunks {
  /** The start of a character whose rest has not arrived yet. */
  #carry = Buffer.alloc(0);
  /** Skip leading continuation bytes (the rest of a character cut by a suspension). */
  #orphans = false;

  /** What `data` (with what was held back) stores as; undefined when it is all held back. */
  next(data: Buffer): Utf8Piece | undefined {
    if (this.#orphans) data = this.#skipOrphans(data);
    const all = this.#carry.length ? Buffer.concat([this.#carry, data]) : data;
    if (!all.length) return undefined;
    const cut = incompleteTail(all);
    const head = all.subarray(0, cut);
    if (isUtf8(head)) {
      this.#carry = Buffer.from(all.subarray(cut));
      return head.length ? { text: head } : undefined;
    }
    this.#carry = Buffer.alloc(0);
    return { raw: Buffer.from(all) };
  }

  /** A suspension begins: the character cut in half by it is dropped with it. */
  suspended(): void {
    this.#carry = Buffer.alloc(0);
  }

  /** Recording resumes: the first bytes may finish a character whose start was dropped. */
  resumed(): void {
    this.#orphans = true;
  }

  /** What is still held back (an incomplete character), taken at the very end. */
  takeRest(): Buffer {
    const rest = this.#carry;
    this.#carry = Buffer.alloc(0);
    return rest;
  }

  /** Those continuation bytes (at most 3) are skipped rather than written as U+FFFD. */
  #skipOrphans(data: Buffer): Buffer {
    let i = 0;
    while (i < data.length && i < 3 && (data[i]! & 0xc0) === 0x80) i++;
    if (i < data.length) this.#orphans = false;
    return i ? data.subarray(i) : data;
  }
}
