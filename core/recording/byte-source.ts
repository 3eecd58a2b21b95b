/**
 * Random-access reads of one recording file. The reader of a recording goes through this and
 * nothing else, so what it reads can be counted (the console benchmark and the tests wrap a source
 * in a CountingSource) and so a recording held in memory (tests) reads the same way as a file.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface ByteSource {
  /** Bytes in the source when it was opened: reads never go past this (a file still growing). */
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer at the end). */
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Opens a file read-only; undefined when it does not exist. */
export async function openFileSource(file: string): Promise<ByteSource | undefined> {
  let fh: FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return new FileSource(fh, (await fh.stat()).size);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

class FileSource implements ByteSource {
  constructor(
    readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async read(position: number, length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.size - position));
    const buf = Buffer.alloc(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.fh.read(buf, done, want - done, position + done);
      if (bytesRead <= 0) break; // the file shrank under us: return what there is
      done += bytesRead;
    }
    return done === want ? buf : buf.subarray(0, done);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** A recording held in memory (tests, and casts handed over as text). */
export function bufferSource(data: Buffer): ByteSource {
  return {
    size: data.length,
    read: (position, length) =>
      Promise.resolve(Buffer.from(data.subarray(position, Math.min(data.length, position + length)))),
    close: () => Promise.resolve(),
  };
}

/** Counts what is read through it: the measure of "reads only what it needs". */
export class CountingSource implements ByteSource {
  bytesRead = 0;
  reads = 0;
  constructor(readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  async read(position: number, length: number): Promise<Buffer> {
    const b = await this.inner.read(position, length);
    this.bytesRead += b.length;
    this.reads++;
    return b;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
