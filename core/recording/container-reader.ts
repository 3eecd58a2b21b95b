/**
 * Reading a container with its data key: the cast view (the asciicast text the recorder saw, as a
 * ByteSource, so the replay reader, the screen index and export work as they did over plain
 * files), the side index, the exact output bytes, and file-transfer records. Each chunk is
 * decrypted when a read reaches it and checked by AES-GCM against its recording id, number and
 * header; a chunk that fails is an error, never shown.
 */
import { createDecipheriv } from 'node:crypto';
import { StorageError } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import { bufferSource } from './byte-source.ts';
import {
  castViewOf,
  chunkAad,
  decodeRecords,
  FRAME_HEADER_BYTES,
  RECORD,
  TAG_BYTES,
  type ChunkRecord,
} from './container-format.ts';
import { scanContainer, type ContainerScan, type ScannedFrame } from './container-scan.ts';

export function decryptChunk(id: string, key: Buffer, frame: ScannedFrame, body: Buffer): Buffer {
  try {
    const d = createDecipheriv('aes-256-gcm', key, frame.nonce);
    d.setAAD(chunkAad(id, frame.seq, frame.raw));
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new StorageError(`recording '${id}': chunk ${frame.seq} fails authentication (damaged or moved)`);
  }
}

export class OpenedContainer {
  readonly #src: ByteSource;
  readonly #key: Buffer;
  readonly scan: ContainerScan;
  /** Frames in order, numbered 0, 1, 2… (the walk stops reading at the first that is not). */
  readonly frames: ScannedFrame[];
  readonly #cache = new Map<number, ChunkRecord[]>();

  private constructor(src: ByteSource, key: Buffer, scan: ContainerScan) {
    this.#src = src;
    this.#key = key;
    this.scan = scan;
    const frames: ScannedFrame[] = [];
    for (const f of scan.frames) {
      if (f.seq !== frames.length) break;
      frames.push(f);
    }
    this.frames = frames;
  }

  static async open(src: ByteSource, key: Buffer): Promise<OpenedContainer> {
    return new OpenedContainer(src, key, await scanContainer(src));
  }

  get id(): string {
    return this.scan.header.id;
  }

  /** Bytes of the cast view. */
  get castBytes(): number {
    const last = this.frames[this.frames.length - 1];
    return last ? last.castOffset + last.castLength : 0;
  }

  /** Session time of the last event written. */
  get lastT(): number {
    return this.frames[this.frames.length - 1]?.tEnd ?? 0;
  }

  async records(i: number): Promise<ChunkRecord[]> {
    const known = this.#cache.get(i);
    if (known) return known;
    const f = this.frames[i]!;
    const body = await this.#src.read(f.at + FRAME_HEADER_BYTES, f.bodyLength);
    const records = decodeRecords(decryptChunk(this.id, this.#key, f, body));
    // Two chunks are enough for a reader going forwards (a line may span a chunk boundary).
    if (this.#cache.size >= 2) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(i, records);
    return records;
  }

  /** The asciicast text, read a chunk at a time as reads reach it. */
  castSource(): ByteSource {
    const size = this.castBytes;
    const frames = this.frames;
    const views = new Map<number, Buffer>();
    const viewOf = async (i: number) => {
      const known = views.get(i);
      if (known) return known;
      const view = castViewOf(await this.records(i));
      if (view.length !== frames[i]!.castLength)
        throw new StorageError(`recording '${this.id}': chunk ${i} does not hold what its header says`);
      if (views.size >= 2) views.delete(views.keys().next().value!);
      views.set(i, view);
      return view;
    };
    return {
      size,
      read: async (position, length) => {
        const end = Math.min(size, position + length);
        const parts: Buffer[] = [];
        let i = chunkAt(frames, position);
        let pos = position;
        while (pos < end && i < frames.length) {
          const f = frames[i]!;
          const view = await viewOf(i);
          const from = pos - f.castOffset;
          const to = Math.min(view.length, end - f.castOffset);
          if (to > from) parts.push(view.subarray(from, to));
          pos = f.castOffset + to;
          i++;
        }
        return Buffer.concat(parts);
      },
      close: () => this.#src.close(),
    };
  }

  /** Every record of one type, in order (the side index, transfer operations). */
  async collect(type: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let i = 0; i < this.frames.length; i++)
      for (const r of await this.records(i)) if (r.type === type && 'text' in r) parts.push(r.text);
    return Buffer.concat(parts);
  }

  async sideIndex(): Promise<ByteSource> {
    return bufferSource(await this.collect(RECORD.indexText));
  }

  /** What the target sent, byte for byte: text output events and raw output records in order. */
  async *outputBytes(): AsyncGenerator<Buffer> {
    for (let i = 0; i < this.frames.length; i++) {
      for (const r of await this.records(i)) {
        if (r.type === RECORD.rawOutput) yield r.raw;
        else if (r.type === RECORD.castText) {
          const out = outputOfLines(r.text);
          if (out.length) yield out;
        }
      }
    }
  }

  close(): Promise<void> {
    return this.#src.close();
  }
}

/** The chunk whose cast range holds `position` (binary search on castOffset). */
function chunkAt(frames: readonly ScannedFrame[], position: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frames[mid]!.castOffset <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The output events' text of some cast lines, as UTF-8 (lossless: text events were valid UTF-8). */
function outputOfLines(text: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const line of text.toString('utf8').split('\n')) {
    if (!line.startsWith('[')) continue;
    try {
      const ev = JSON.parse(line) as unknown;
      if (Array.isArray(ev) && ev[1] === 'o' && typeof ev[2] === 'string')
        parts.push(Buffer.from(ev[2], 'utf8'));
    } catch {
      // not an event line
    }
  }
  return Buffer.concat(parts);
}
