/**
 * Where a recorder's flushed bytes go. The recorders (asciicast-writer.ts, file-transfer-writer.ts)
 * buffer events and hand each flush over as records (container-format.ts); a sink puts them on
 * disk. The container sink encrypts each flush into one chunk of `<id>.rec` and signs a manifest
 * at the end; the plain sink writes the old asciicast files (`<id>.cast` + `.idx`), which only the
 * benchmark still uses, to measure what encryption and signing cost.
 */
import type { FileHandle } from 'node:fs/promises';
import { createCipheriv, randomBytes } from 'node:crypto';
import {
  castViewOf,
  chunkAad,
  encodeFileHeader,
  encodeFrameHeader,
  encodeManifest,
  encodeRecords,
  NONCE_BYTES,
  RECORD,
  sha256,
  TAG_BYTES,
  type ChunkRecord,
  type ContainerHeader,
  type Manifest,
} from './container-format.ts';
import type { SigningKey } from './signing-key.ts';

export interface SinkFlush {
  records: ChunkRecord[];
  /** Cast-view bytes these records stand for. */
  castLength: number;
  /** Session time of the last event in them (seconds). */
  tEnd: number;
}

export interface SinkTotals {
  events: number;
  castBytes: number;
  durationSeconds: number;
}

export interface RecordingSink {
  /** Bytes on disk so far. */
  readonly bytes: number;
  write(flush: SinkFlush): Promise<void>;
  /** Makes what is written durable and, when nothing failed, seals the recording. */
  finish(totals: SinkTotals, failed: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done);
    if (bytesWritten <= 0) throw new Error('short write');
    done += bytesWritten;
  }
}

/** The old layout: a plain asciicast file and its side index (no encryption, no signature). */
export class PlainSink implements RecordingSink {
  bytes = 0;
  constructor(
    private readonly cast: FileHandle,
    private readonly index: FileHandle,
  ) {}

  async write(flush: SinkFlush): Promise<void> {
    const cast = castViewOf(flush.records);
    const index = Buffer.concat(flush.records.flatMap((r) => (r.type === RECORD.indexText ? [r.text] : [])));
    if (cast.length) await writeAll(this.cast, cast);
    this.bytes += cast.length;
    if (index.length) await writeAll(this.index, index);
  }

  async finish(): Promise<void> {
    await this.cast.datasync();
    await this.index.datasync();
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled([this.cast.close(), this.index.close()]);
    const bad = results.find((r) => r.status === 'rejected');
    if (bad) throw (bad as PromiseRejectedResult).reason;
  }
}

export interface ContainerSinkOptions {
  header: ContainerHeader;
  /** The recording's own data key (32 bytes); the store keeps it sealed by the master keyring. */
  dataKey: Buffer;
  signer: SigningKey;
  now: () => Date;
}

/** The encrypted container: one AES-256-GCM chunk per flush, chained, and a signed manifest. */
export class ContainerSink implements RecordingSink {
  bytes = 0;
  readonly #o: ContainerSinkOptions;
  readonly #fh: FileHandle;
  readonly #headerHash: Buffer;
  #prev: Buffer;
  #seq = 0;
  #castOffset = 0;

  private constructor(fh: FileHandle, o: ContainerSinkOptions, header: Buffer) {
    this.#fh = fh;
    this.#o = o;
    this.#headerHash = sha256(header);
    this.#prev = this.#headerHash;
  }

  static async create(fh: FileHandle, o: ContainerSinkOptions): Promise<ContainerSink> {
    const header = encodeFileHeader(o.header);
    const sink = new ContainerSink(fh, o, header);
    await writeAll(fh, header);
    sink.bytes = header.length;
    return sink;
  }

  async write(flush: SinkFlush): Promise<void> {
    const plain = encodeRecords(flush.records);
    const nonce = randomBytes(NONCE_BYTES);
    const head = encodeFrameHeader({
      seq: this.#seq,
      prev: this.#prev,
      castOffset: this.#castOffset,
      castLength: flush.castLength,
      tEnd: flush.tEnd,
      nonce,
      bodyLength: plain.length + 16,
    });
    const cipher = createCipheriv('aes-256-gcm', this.#o.dataKey, nonce);
    cipher.setAAD(chunkAad(this.#o.header.id, this.#seq, head));
    // The frame is built in one Buffer (header, ciphertext, tag) rather than joined twice.
    const frame = Buffer.allocUnsafe(head.length + plain.length + TAG_BYTES);
    head.copy(frame, 0);
    let at = head.length;
    at += cipher.update(plain).copy(frame, at);
    at += cipher.final().copy(frame, at);
    cipher.getAuthTag().copy(frame, at);
    // One write per chunk: a crash leaves whole chunks and at most one torn one at the end.
    await writeAll(this.#fh, frame);
    this.#prev = sha256(frame);
    this.#seq++;
    this.#castOffset += flush.castLength;
    this.bytes += frame.length;
  }

  async finish(totals: SinkTotals, failed: boolean): Promise<void> {
    if (!failed) {
      const manifest: Manifest = {
        format: 'custody-recording-manifest',
        version: 1,
        id: this.#o.header.id,
        headerHash: this.#headerHash.toString('hex'),
        chunks: this.#seq,
        lastHash: this.#prev.toString('hex'),
        bytes: this.bytes,
        castBytes: totals.castBytes,
        events: totals.events,
        durationSeconds: totals.durationSeconds,
        status: 'complete',
        sealedAt: this.#o.now().toISOString(),
        signer: this.#o.signer.fingerprint,
      };
      const json = Buffer.from(JSON.stringify(manifest), 'utf8');
      const framed = encodeManifest(json, this.#o.signer.sign(json));
      await writeAll(this.#fh, framed);
      this.bytes += framed.length;
    }
    await this.#fh.datasync();
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}
