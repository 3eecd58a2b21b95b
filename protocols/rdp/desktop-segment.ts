/**
 * What the recording player fetches: a stretch of a desktop recording, decrypted by the gateway
 * but still deflated, for the browser to inflate (DecompressionStream 'deflate') and draw with the
 * same decoder the gateway runs. A seek's segment starts with the keyframe to replay from; a
 * continuation carries only event logs. Integers big-endian:
 *
 *   "CDS1" · duration u32 (ms, the recording so far) · first u32 (chunk number of the first log)
 *   · next u32 (the chunk to ask for next; equal to chunks when the recording ends there)
 *   · chunks u32 (chunks in the recording) · keyframe flag u8
 *   · [keyframe: time u32 ms, width u16, height u16, length u32, deflated RGBA]
 *   · logs u32 · logs × (length u32, a deflated event log: protocols/rdp/desktop-log.ts)
 */
export interface DesktopSegment {
  durationMs: number;
  first: number;
  next: number;
  chunks: number;
  keyframe?: { tMs: number; width: number; height: number; deflated: Uint8Array } | undefined;
  logs: Uint8Array[];
}

const MAGIC = [0x43, 0x44, 0x53, 0x31];

export function encodeDesktopSegment(s: DesktopSegment): Uint8Array {
  const size =
    4 +
    16 +
    1 +
    (s.keyframe ? 12 + s.keyframe.deflated.length : 0) +
    4 +
    s.logs.reduce((n, l) => n + 4 + l.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let at = 4;
  for (const n of [s.durationMs, s.first, s.next, s.chunks]) {
    v.setUint32(at, n >>> 0);
    at += 4;
  }
  v.setUint8(at++, s.keyframe ? 1 : 0);
  if (s.keyframe) {
    v.setUint32(at, s.keyframe.tMs >>> 0);
    v.setUint16(at + 4, s.keyframe.width);
    v.setUint16(at + 6, s.keyframe.height);
    v.setUint32(at + 8, s.keyframe.deflated.length);
    out.set(s.keyframe.deflated, at + 12);
    at += 12 + s.keyframe.deflated.length;
  }
  v.setUint32(at, s.logs.length);
  at += 4;
  for (const l of s.logs) {
    v.setUint32(at, l.length);
    out.set(l, at + 4);
    at += 4 + l.length;
  }
  return out;
}

export function decodeDesktopSegment(b: Uint8Array): DesktopSegment {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fail = () => new Error('not a desktop recording segment');
  if (b.length < 25 || MAGIC.some((m, i) => b[i] !== m)) throw fail();
  const u32 = (at: number) => {
    if (at + 4 > b.length) throw fail();
    return v.getUint32(at);
  };
  const bytes = (at: number, n: number) => {
    if (at + n > b.length) throw fail();
    return b.subarray(at, at + n);
  };
  const seg: DesktopSegment = { durationMs: u32(4), first: u32(8), next: u32(12), chunks: u32(16), logs: [] };
  let at = 21;
  if (b[20] === 1) {
    const tMs = u32(at);
    const width = v.getUint16(at + 4);
    const height = v.getUint16(at + 6);
    const n = u32(at + 8);
    seg.keyframe = { tMs, width, height, deflated: bytes(at + 12, n) };
    at += 12 + n;
  }
  const count = u32(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    const n = u32(at);
    seg.logs.push(bytes(at + 4, n));
    at += 4 + n;
  }
  return seg;
}
