/**
 * The records of one desktop-recording chunk (container-format.ts `RECORD.desktop*`), shared by
 * the writer and the reader. Each flush of a desktop recorder is one container chunk holding:
 *
 *   head      base u32: number of the newest EARLIER chunk holding a keyframe (0xFFFFFFFF: none,
 *             replay starts from nothing at chunk 0) · events u32 (events in this chunk's log)
 *   events    the event log (protocols/rdp/desktop-log.ts), deflated as one zlib stream
 *   keyframe  (optional, after the events) time u32 ms · width u16 · height u16 · the whole
 *             screen as RGBA rows top-down, deflated: the screen after this chunk's events
 *   marker    (any number) time u32 ms · the label in UTF-8
 *
 * The head makes a seek cost the same anywhere: the frame headers (readable without the key) say
 * which chunk holds a moment, that chunk's head names the keyframe to start from, and at most
 * one keyframe interval of events is replayed after it.
 */
import { RECORD, type ChunkRecord } from './container-format.ts';

export const NO_KEYFRAME = 0xffffffff;

export interface ChunkHead {
  /** The newest earlier chunk that holds a keyframe, or NO_KEYFRAME. */
  base: number;
  events: number;
}

export interface Keyframe {
  tMs: number;
  width: number;
  height: number;
  /** Deflated RGBA. */
  deflated: Buffer;
}

export function headRecord(h: ChunkHead): ChunkRecord {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(h.base, 0);
  body.writeUInt32BE(h.events, 4);
  return { type: RECORD.desktopHead, body };
}

export function keyframeRecord(k: Keyframe): ChunkRecord {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(k.tMs >>> 0, 0);
  head.writeUInt16BE(k.width, 4);
  head.writeUInt16BE(k.height, 6);
  return { type: RECORD.desktopKeyframe, body: Buffer.concat([head, k.deflated]) };
}

export function markerRecord(tMs: number, label: string): ChunkRecord {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(tMs >>> 0, 0);
  return { type: RECORD.desktopMarker, body: Buffer.concat([head, Buffer.from(label, 'utf8')]) };
}

/** A desktop chunk's records, parsed (bodies still deflated). */
export interface DesktopChunk {
  head: ChunkHead | undefined;
  /** Deflated event logs, in order (a writer puts one per chunk). */
  events: Buffer[];
  keyframe: Keyframe | undefined;
  markers: { t: number; label: string }[];
}

export function parseDesktopChunk(records: readonly ChunkRecord[]): DesktopChunk {
  const out: DesktopChunk = { head: undefined, events: [], keyframe: undefined, markers: [] };
  for (const r of records) {
    if (!('body' in r)) continue;
    const b = r.body;
    if (r.type === RECORD.desktopHead && b.length >= 8)
      out.head = { base: b.readUInt32BE(0), events: b.readUInt32BE(4) };
    else if (r.type === RECORD.desktopEvents) out.events.push(b);
    else if (r.type === RECORD.desktopKeyframe && b.length >= 8)
      out.keyframe = {
        tMs: b.readUInt32BE(0),
        width: b.readUInt16BE(4),
        height: b.readUInt16BE(6),
        deflated: b.subarray(8),
      };
    else if (r.type === RECORD.desktopMarker && b.length >= 4)
      out.markers.push({ t: b.readUInt32BE(0) / 1000, label: b.subarray(4).toString('utf8') });
  }
  return out;
}
