/**
 * Walking a container's framing (container-format.ts) without any key: the file header, each
 * chunk frame's header (bodies are skipped unless asked for), and the manifest. What the walk
 * cannot parse ends it: `stop` says where and why, so the verifier can tell a torn tail (a crash
 * mid-write) from bytes that are not a frame at all.
 */
import type { ByteSource } from './byte-source.ts';
import {
  decodeFrameHeader,
  FILE_MAGIC,
  FRAME_HEADER_BYTES,
  MANIFEST_MAGIC,
  MAX_FRAME_BODY,
  MAX_JSON_BYTES,
  TAG_BYTES,
  type ContainerHeader,
  type FrameHeader,
  type Manifest,
} from './container-format.ts';

export interface ScannedFrame extends FrameHeader {
  /** File offset of the frame header; the body follows it. */
  at: number;
  /** The frame header's bytes (part of the chunk's associated data and of its hash). */
  raw: Buffer;
}

export interface ScannedManifest {
  at: number;
  json: Buffer;
  signature: Buffer;
  /** Undefined when the JSON does not parse. */
  manifest: Manifest | undefined;
  /** Bytes after the manifest (none in a sound file). */
  trailing: number;
}

export interface ContainerScan {
  header: ContainerHeader;
  headerBytes: Buffer;
  frames: ScannedFrame[];
  manifest: ScannedManifest | undefined;
  /** Why the walk ended before the end of the file, if it did (`torn`: a frame cut off by the end). */
  stop: { at: number; kind: 'torn' | 'garbage'; why: string } | undefined;
}

export class NotAContainer extends Error {}

/** True when the source starts like a container (legacy recordings are plain asciicast). */
export async function isContainer(src: ByteSource): Promise<boolean> {
  return (await src.read(0, FILE_MAGIC.length)).equals(FILE_MAGIC);
}

export async function readContainerHeader(
  src: ByteSource,
): Promise<{ header: ContainerHeader; bytes: Buffer }> {
  const start = await src.read(0, FILE_MAGIC.length + 4);
  if (start.length < FILE_MAGIC.length + 4 || !start.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC))
    throw new NotAContainer('the file is not a custody recording');
  const len = start.readUInt32BE(FILE_MAGIC.length);
  if (len > MAX_JSON_BYTES) throw new NotAContainer('the file header is damaged');
  const json = await src.read(start.length, len);
  let header: ContainerHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as ContainerHeader;
  } catch {
    throw new NotAContainer('the file header is damaged');
  }
  if (json.length !== len || header?.format !== 'custody-recording' || header.version !== 1)
    throw new NotAContainer('the file header is damaged or of an unknown version');
  return { header, bytes: Buffer.concat([start, json]) };
}

/** Walks the framing; `onBody` (the verifier) sees every whole chunk body in order. */
export async function scanContainer(
  src: ByteSource,
  onBody?: (frame: ScannedFrame, body: Buffer) => void,
): Promise<ContainerScan> {
  const { header, bytes: headerBytes } = await readContainerHeader(src);
  const frames: ScannedFrame[] = [];
  let at = headerBytes.length;
  let manifest: ScannedManifest | undefined;
  let stop: ContainerScan['stop'];
  while (at < src.size) {
    const head = await src.read(at, FRAME_HEADER_BYTES);
    if (head.length >= 4 && head.subarray(0, 4).equals(MANIFEST_MAGIC)) {
      const m = await readManifest(src, at);
      if (typeof m === 'string') stop = { at, kind: 'garbage', why: m };
      else manifest = m;
      break;
    }
    if (head.length < FRAME_HEADER_BYTES) {
      const partialMagic = head.length < 4 && Buffer.from('RCHK').subarray(0, head.length).equals(head);
      stop =
        partialMagic || head.subarray(0, 4).toString('latin1') === 'RCHK'
          ? { at, kind: 'torn', why: 'the last chunk is cut off' }
          : { at, kind: 'garbage', why: 'bytes that are not a chunk' };
      break;
    }
    const f = decodeFrameHeader(head);
    if (!f || f.bodyLength < TAG_BYTES || f.bodyLength > MAX_FRAME_BODY) {
      stop = { at, kind: 'garbage', why: 'bytes that are not a chunk' };
      break;
    }
    if (at + FRAME_HEADER_BYTES + f.bodyLength > src.size) {
      stop = { at, kind: 'torn', why: 'the last chunk is cut off' };
      break;
    }
    const frame: ScannedFrame = { ...f, at, raw: head };
    if (onBody) onBody(frame, await src.read(at + FRAME_HEADER_BYTES, f.bodyLength));
    frames.push(frame);
    at += FRAME_HEADER_BYTES + f.bodyLength;
  }
  return { header, headerBytes, frames, manifest, stop };
}

async function readManifest(src: ByteSource, at: number): Promise<ScannedManifest | string> {
  const lenBuf = await src.read(at + 4, 4);
  if (lenBuf.length < 4) return 'the manifest is cut off';
  const len = lenBuf.readUInt32BE(0);
  if (len > MAX_JSON_BYTES) return 'the manifest is damaged';
  const json = await src.read(at + 8, len);
  const sigLenBuf = await src.read(at + 8 + len, 4);
  if (json.length < len || sigLenBuf.length < 4) return 'the manifest is cut off';
  const sigLen = sigLenBuf.readUInt32BE(0);
  if (sigLen > 1024) return 'the manifest is damaged';
  const signature = await src.read(at + 12 + len, sigLen);
  if (signature.length < sigLen) return 'the manifest is cut off';
  let manifest: Manifest | undefined;
  try {
    manifest = JSON.parse(json.toString('utf8')) as Manifest;
  } catch {
    manifest = undefined;
  }
  return { at, json, signature, manifest, trailing: Math.max(0, src.size - (at + 12 + len + sigLen)) };
}
