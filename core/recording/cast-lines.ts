/**
 * Reading an asciicast v2 file line by line from any byte offset, without holding more of it than
 * the line being read: the header line, then `[seconds, code, data]` event lines (format: see
 * asciicast-writer.ts). Lines are split on the newline byte, which never occurs inside a UTF-8
 * character, so a line is decoded whole.
 */
import type { ByteSource } from './byte-source.ts';

export interface CastEvent {
  /** Seconds since the start. */
  t: number;
  /** `o` output, `i` input, `r` resize (data `COLSxROWS`). */
  kind: string;
  data: string;
}

export interface CastLine {
  /** Byte offset of the line's first byte, and of the byte after its newline. */
  offset: number;
  end: number;
  text: string;
}

export interface CastHeader {
  width: number;
  height: number;
  /** Bytes of the header line, newline included: the offset of the first event. */
  end: number;
  /** The header line itself (what a screen index names its cast by). */
  line: string;
}

/** A header line is a few hundred bytes; one that is not within this is not a cast. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Reading ahead grows from the first read up to this, so a seek reads little and play reads fast. */
export const MAX_CHUNK_BYTES = 64 * 1024;
const MIN_CHUNK_BYTES = 1024;

export async function readCastHeader(src: ByteSource): Promise<CastHeader | undefined> {
  let want = 1024;
  for (;;) {
    const buf = await src.read(0, want);
    const nl = buf.indexOf(0x0a);
    if (nl >= 0 || buf.length < want || want >= MAX_HEADER_BYTES) {
      const line = buf.subarray(0, nl >= 0 ? nl : buf.length).toString('utf8');
      let h: { width?: unknown; height?: unknown };
      try {
        h = JSON.parse(line || '{}') as typeof h;
      } catch {
        return undefined;
      }
      if (typeof h !== 'object' || h === null) return undefined;
      return {
        width: typeof h.width === 'number' ? h.width : 80,
        height: typeof h.height === 'number' ? h.height : 24,
        end: nl >= 0 ? nl + 1 : buf.length,
        line,
      };
    }
    want *= 4;
  }
}

/**
 * The lines from `from` to the end of the source. The first two reads are `firstChunk` bytes (the
 * caller knows where the next keyframe starts); later reads double up to MAX_CHUNK_BYTES. A last
 * line without its newline (a recording still being written, or torn) is yielded as it is.
 */
export async function* castLines(src: ByteSource, from: number, firstChunk = 4096): AsyncGenerator<CastLine> {
  let pos = from;
  let chunk = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, firstChunk));
  let rest: Buffer = Buffer.alloc(0);
  let restAt = from;
  let reads = 0;
  while (pos < src.size) {
    const buf = await src.read(pos, chunk);
    if (!buf.length) break;
    pos += buf.length;
    // The second read is the size of the first (the next keyframe's stretch, when the caller knew
    // where it ends): a seek's look-ahead past its keyframe reads about one more such stretch.
    if (++reads > 1) chunk = Math.min(MAX_CHUNK_BYTES, chunk * 2);
    const data = rest.length ? Buffer.concat([rest, buf]) : buf;
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      yield { offset: restAt + start, end: restAt + nl + 1, text: data.subarray(start, nl).toString('utf8') };
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
    restAt += start;
  }
  if (rest.length) yield { offset: restAt, end: restAt + rest.length, text: rest.toString('utf8') };
}

/** One event line, or undefined for anything else (a blank or torn line). */
export function parseEvent(text: string): CastEvent | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return undefined;
    const [t, kind, data] = v as unknown[];
    if (typeof t === 'number' && Number.isFinite(t) && typeof kind === 'string' && typeof data === 'string')
      return { t, kind, data };
  } catch {
    // a torn tail
  }
  return undefined;
}

/** `COLSxROWS` of a resize event. */
export function parseSize(data: string): { cols: number; rows: number } | undefined {
  const m = /^(\d+)x(\d+)$/.exec(data);
  return m ? { cols: Number(m[1]), rows: Number(m[2]) } : undefined;
}
