/**
 * The asciicast writer's text between two flushes: cast lines written straight into a large
 * Buffer as they come, rather than a string and a Buffer per line joined again at the flush. A
 * run (the text since the last `take`) is handed over as a view of that Buffer; bytes handed over
 * are never written again (new lines only go after them, and a full Buffer is replaced, not
 * reused), so a flush still being encrypted keeps what it was given.
 */

/**
 * The first Buffer is small and each next one twice the last, up to the largest: an idle or
 * quiet session holds a few KiB, a bulk transfer soon writes into 256 KiB Buffers (a line longer
 * than that gets a Buffer of its own size).
 */
const FIRST_BUFFER_BYTES = 4 * 1024;
const LARGEST_BUFFER_BYTES = 256 * 1024;

export class TextRuns {
  #buf = Buffer.allocUnsafe(0);
  /** Where the open run starts in #buf, and where the next line goes. */
  #start = 0;
  #used = 0;
  /** Earlier parts of the open run, when it outgrew a Buffer. */
  #parts: Buffer[] = [];

  /** Appends the concatenation of the strings (UTF-8); returns its length in bytes. */
  append(a: string, b = '', c = ''): number {
    const need = Buffer.byteLength(a) + (b ? Buffer.byteLength(b) : 0) + (c ? Buffer.byteLength(c) : 0);
    if (this.#used + need > this.#buf.length) {
      if (this.#used > this.#start) this.#parts.push(this.#buf.subarray(this.#start, this.#used));
      const next = Math.min(LARGEST_BUFFER_BYTES, Math.max(FIRST_BUFFER_BYTES, 2 * this.#buf.length));
      this.#buf = Buffer.allocUnsafe(Math.max(next, need));
      this.#start = this.#used = 0;
    }
    const from = this.#used;
    this.#used += this.#buf.write(a, this.#used, 'utf8');
    if (b) this.#used += this.#buf.write(b, this.#used, 'utf8');
    if (c) this.#used += this.#buf.write(c, this.#used, 'utf8');
    return this.#used - from;
  }

  /** The open run's bytes (undefined when there are none); the next line starts a new run. */
  take(): Buffer | undefined {
    const tail = this.#used > this.#start ? this.#buf.subarray(this.#start, this.#used) : undefined;
    this.#start = this.#used;
    const parts = this.#parts;
    if (!parts.length) return tail;
    this.#parts = [];
    return Buffer.concat(tail ? [...parts, tail] : parts);
  }

  /** Drops the open run (writing has failed: nothing more is stored). */
  clear(): void {
    this.#parts = [];
    this.#start = this.#used;
  }
}
