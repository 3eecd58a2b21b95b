/**
 * The recording container (`<id>.rec`): encrypted, hash-chained, signed at the end. The full
 * specification is docs/auditors/recording-format.md; this file is its framing, shared by the
 * writer, the reader and the verifier (which needs no key but the node's public signing key).
 *
 * Layout (integers big-endian):
 *   file header   "CSTDREC1" (8 bytes), u32 n, n bytes of JSON: the recording's identity (no
 *                 terminal content). The chain starts at SHA-256(file header).
 *   chunk frame   80-byte frame header, then `bodyLength` bytes of AES-256-GCM ciphertext + tag:
 *                   0  "RCHK"          4  seq u32 (0, 1, 2, …)
 *                   8  prev: SHA-256 of the previous frame (header + body), or of the file header
 *                  40  castOffset f64  48  castLength u32: the chunk's place in the cast view
 *                  52  tEnd f64: session time of the chunk's last event (seconds)
 *                  60  nonce (12 bytes)  72  bodyLength u32  76  zero u32
 *                 associated data: utf8("custody-recording:<id>:<seq>") followed by the header.
 *   manifest      "RMAN", u32 n, n bytes of JSON, u32 m, m bytes of Ed25519 signature of the JSON.
 */
import { createHash } from 'node:crypto';

export const CONTAINER_SUFFIX = '.rec';
export const FILE_MAGIC = Buffer.from('CSTDREC1', 'latin1');
export const CHUNK_MAGIC = Buffer.from('RCHK', 'latin1');
export const MANIFEST_MAGIC = Buffer.from('RMAN', 'latin1');
export const FRAME_HEADER_BYTES = 80;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** No frame, header or manifest is larger than this: a bigger length is damage, not data. */
export const MAX_FRAME_BODY = 64 * 1024 * 1024;
export const MAX_JSON_BYTES = 1024 * 1024;

/** What the file header says: who, where and when, never what the terminal showed. */
export interface ContainerHeader {
  format: 'custody-recording';
  version: 1;
  id: string;
  kind: 'terminal' | 'file-transfer' | 'desktop';
  sessionId: string;
  user: string;
  target: string;
  protocol: string;
  startedAt: string;
  cipher: 'aes-256-gcm';
}

export interface FrameHeader {
  seq: number;
  prev: Buffer;
  castOffset: number;
  castLength: number;
  tEnd: number;
  nonce: Buffer;
  bodyLength: number;
}

/** The signed end of a recording: closed normally, or sealed at start-up after a crash. */
export interface Manifest {
  format: 'custody-recording-manifest';
  version: 1;
  id: string;
  /** SHA-256 of the file header, hex. */
  headerHash: string;
  chunks: number;
  /** SHA-256 of the last chunk frame (the file header's hash when there is none), hex. */
  lastHash: string;
  /** Bytes of the file before the manifest. */
  bytes: number;
  castBytes: number;
  events: number;
  durationSeconds: number;
  /** complete: closed by its writer; cut-short: the node died, sealed at the next start. */
  status: 'complete' | 'failed' | 'cut-short';
  sealedAt: string;
  /** SHA-256 of the signer's public key (DER), hex: which node key signed it. */
  signer: string;
}

export const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export function encodeFileHeader(h: ContainerHeader): Buffer {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([FILE_MAGIC, len, json]);
}

export function encodeFrameHeader(f: FrameHeader): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_BYTES);
  CHUNK_MAGIC.copy(b, 0);
  b.writeUInt32BE(f.seq, 4);
  f.prev.copy(b, 8);
  b.writeDoubleBE(f.castOffset, 40);
  b.writeUInt32BE(f.castLength, 48);
  b.writeDoubleBE(f.tEnd, 52);
  f.nonce.copy(b, 60);
  b.writeUInt32BE(f.bodyLength, 72);
  return b;
}

export function decodeFrameHeader(b: Buffer): FrameHeader | undefined {
  if (b.length < FRAME_HEADER_BYTES || !b.subarray(0, 4).equals(CHUNK_MAGIC)) return undefined;
  return {
    seq: b.readUInt32BE(4),
    prev: Buffer.from(b.subarray(8, 40)),
    castOffset: b.readDoubleBE(40),
    castLength: b.readUInt32BE(48),
    tEnd: b.readDoubleBE(52),
    nonce: Buffer.from(b.subarray(60, 72)),
    bodyLength: b.readUInt32BE(72),
  };
}

/** The associated data of a chunk: it belongs to this recording, at this place, with this header. */
export function chunkAad(id: string, seq: number, header: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`custody-recording:${id}:${seq}`, 'utf8'), header]);
}

export function encodeManifest(json: Buffer, signature: Buffer): Buffer {
  const a = Buffer.alloc(4);
  a.writeUInt32BE(json.length);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(signature.length);
  return Buffer.concat([MANIFEST_MAGIC, a, json, b, signature]);
}

/**
 * Records inside a chunk's plaintext: type u8, length u32, body. Text records are cast lines as
 * they are; raw records hold output (or input) that is not valid UTF-8, byte for byte, and stand
 * in the cast view for the line `[t, "o", "<the bytes decoded, invalid ones as U+FFFD>"]`.
 * Desktop recordings (desktop-chunk.ts) use the four `desktop*` records and no cast view.
 */
export const RECORD = {
  castText: 1,
  rawOutput: 2,
  rawInput: 3,
  indexText: 4,
  transfer: 5,
  desktopHead: 6,
  desktopEvents: 7,
  desktopKeyframe: 8,
  desktopMarker: 9,
} as const;

const DESKTOP_RECORDS: readonly number[] = [
  RECORD.desktopHead,
  RECORD.desktopEvents,
  RECORD.desktopKeyframe,
  RECORD.desktopMarker,
];

export type DesktopRecordType =
  | typeof RECORD.desktopHead
  | typeof RECORD.desktopEvents
  | typeof RECORD.desktopKeyframe
  | typeof RECORD.desktopMarker;

export type ChunkRecord =
  | { type: typeof RECORD.castText; text: Buffer }
  | { type: typeof RECORD.rawOutput | typeof RECORD.rawInput; t: number; raw: Buffer }
  | { type: typeof RECORD.indexText; text: Buffer }
  | { type: typeof RECORD.transfer; text: Buffer }
  | { type: DesktopRecordType; body: Buffer };

/** The records as a chunk's plaintext, written into one Buffer (one copy of each body). */
export function encodeRecords(records: readonly ChunkRecord[]): Buffer {
  let size = 0;
  for (const r of records) size += 5 + recordBody(r).length + ('raw' in r ? 8 : 0);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const r of records) {
    const body = recordBody(r);
    out.writeUInt8(r.type, at);
    out.writeUInt32BE(body.length + ('raw' in r ? 8 : 0), at + 1);
    at += 5;
    if ('raw' in r) at = out.writeDoubleBE(r.t, at);
    at += body.copy(out, at);
  }
  return out;
}

/** A record's bytes after its type and length (for a raw record, after its time too). */
function recordBody(r: ChunkRecord): Buffer {
  return 'raw' in r ? r.raw : 'body' in r ? r.body : r.text;
}

export function decodeRecords(plain: Buffer): ChunkRecord[] {
  const out: ChunkRecord[] = [];
  let at = 0;
  while (at + 5 <= plain.length) {
    const type = plain.readUInt8(at);
    const len = plain.readUInt32BE(at + 1);
    const body = plain.subarray(at + 5, at + 5 + len);
    at += 5 + len;
    if (type === RECORD.rawOutput || type === RECORD.rawInput)
      out.push({ type, t: body.readDoubleBE(0), raw: body.subarray(8) });
    else if (type === RECORD.castText || type === RECORD.indexText || type === RECORD.transfer)
      out.push({ type, text: body });
    else if (DESKTOP_RECORDS.includes(type)) out.push({ type: type as DesktopRecordType, body });
  }
  return out;
}

/** The cast line a raw record stands for (the same bytes every time it is drawn). */
export function renderRaw(
  type: typeof RECORD.rawOutput | typeof RECORD.rawInput,
  t: number,
  raw: Buffer,
): Buffer {
  const code = type === RECORD.rawOutput ? 'o' : 'i';
  const text = new TextDecoder('utf-8').decode(raw);
  return Buffer.from(`[${t.toFixed(6)}, "${code}", ${JSON.stringify(text)}]\n`, 'utf8');
}

/** The cast-view bytes of a chunk's records, in order. */
export function castViewOf(records: readonly ChunkRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    if (r.type === RECORD.castText) parts.push(r.text);
    else if (r.type === RECORD.rawOutput || r.type === RECORD.rawInput)
      parts.push(renderRaw(r.type, r.t, r.raw));
  }
  return Buffer.concat(parts);
}
