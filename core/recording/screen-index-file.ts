/**
 * The screen index of a recording, kept next to its cast as `<id>.cast.screens`, so a replay
 * reads one screen and the cast from there rather than the whole recording. Written once, by the
 * first replay of a finished recording (screen-keyframes.ts draws the screens).
 *
 * Layout (all numbers little-endian):
 *   bytes 0-255   header: JSON, a tab, the first 16 hex digits of the JSON's SHA-256, spaces, `\n`:
 *                 {"format":"custody-cast-screens","version":1,"castBytes":N,"castHead":HEX,
 *                  "duration":SECONDS,"keyframes":K}
 *                 castBytes and castHead (SHA-256 of the cast's header line, 16 hex digits) tie the
 *                 index to one finished cast: a cast of another size or header has no index here.
 *   then          K records of 48 bytes, in time order: t f64, cast offset f64, cols u16, rows u16,
 *                 screen length u32, screen offset f64 (in this file), 8 bytes of SHA-256 of the
 *                 first 32 bytes of the record, 8 bytes of SHA-256 of the screen
 *   then          the screens (UTF-8 terminal bytes, raw-deflated), one after another.
 * A seek reads the header, about log2(K) records (binary search on t) and one screen. Every
 * record and screen read is checked against its hash, so a damaged file is noticed before it can
 * show a wrong screen; the reader then redraws the screens from the cast.
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from './byte-source.ts';
import { unpackScreen, type PackedKeyframe, type ScreenKeyframe } from './screen-keyframes.ts';

export const SCREENS_SUFFIX = '.screens';
const FORMAT = 'custody-cast-screens';
const HEADER_BYTES = 256;
const RECORD_BYTES = 48;

interface ScreensHeader {
  format: typeof FORMAT;
  version: 1;
  castBytes: number;
  castHead: string;
  duration: number;
  keyframes: number;
}

const hex16 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 16);
const hash8 = (data: Buffer) => createHash('sha256').update(data).digest().subarray(0, 8);

/** What a screen index is checked against: the cast it belongs to. */
export interface CastIdentity {
  castBytes: number;
  /** The cast's header line. */
  headerLine: string;
}

export function encodeScreenIndex(cast: CastIdentity, duration: number, keyframes: PackedKeyframe[]): Buffer {
  const head: ScreensHeader = {
    format: FORMAT,
    version: 1,
    castBytes: cast.castBytes,
    castHead: hex16(cast.headerLine),
    duration,
    keyframes: keyframes.length,
  };
  const json = JSON.stringify(head);
  const headerLine = `${json}\t${hex16(json)}`.padEnd(HEADER_BYTES - 1, ' ') + '\n';
  if (Buffer.byteLength(headerLine) !== HEADER_BYTES) throw new Error('screen index header too long');
  const screens = keyframes.map((k) => k.packed);
  const records = Buffer.alloc(RECORD_BYTES * keyframes.length);
  let screenAt = HEADER_BYTES + records.length;
  keyframes.forEach((k, i) => {
    const r = records.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES);
    r.writeDoubleLE(k.t, 0);
    r.writeDoubleLE(k.offset, 8);
    r.writeUInt16LE(k.cols, 16);
    r.writeUInt16LE(k.rows, 18);
    r.writeUInt32LE(screens[i]!.length, 20);
    r.writeDoubleLE(screenAt, 24);
    hash8(r.subarray(0, 32)).copy(r, 32);
    hash8(screens[i]!).copy(r, 40);
    screenAt += screens[i]!.length;
  });
  return Buffer.concat([Buffer.from(headerLine, 'utf8'), records, ...screens]);
}

/** Raised inside the reader when a screen index turns out damaged; it then redraws from the cast. */
export class DamagedScreenIndex extends Error {}

interface RecordView {
  t: number;
  offset: number;
  cols: number;
  rows: number;
  screenLength: number;
  screenOffset: number;
  screenHash: Buffer;
}

/** A screen index file opened for seeking; records are read (and checked) as a seek needs them. */
export class ScreenIndexFile {
  readonly #src: ByteSource;
  readonly count: number;
  readonly duration: number;
  readonly #records = new Map<number, RecordView>();

  private constructor(src: ByteSource, head: ScreensHeader) {
    this.#src = src;
    this.count = head.keyframes;
    this.duration = head.duration;
  }

  /** The index if it belongs to this cast and its header is intact; else why not. */
  static async open(src: ByteSource, cast: CastIdentity): Promise<ScreenIndexFile | string> {
    const raw = (await src.read(0, HEADER_BYTES)).toString('utf8');
    const [json, hash] = raw.trimEnd().split('\t');
    if (raw.length !== HEADER_BYTES || !json || hash !== hex16(json)) return 'its header is damaged';
    let head: ScreensHeader;
    try {
      head = JSON.parse(json) as ScreensHeader;
    } catch {
      return 'its header is damaged';
    }
    if (head.format !== FORMAT || head.version !== 1) return 'it is of an unknown format';
    if (head.castBytes !== cast.castBytes || head.castHead !== hex16(cast.headerLine))
      return 'it was made for another version of the cast';
    if (
      !Number.isInteger(head.keyframes) ||
      head.keyframes < 1 ||
      src.size < HEADER_BYTES + head.keyframes * RECORD_BYTES
    )
      return 'it is truncated';
    return new ScreenIndexFile(src, head);
  }

  async #record(i: number): Promise<RecordView> {
    const known = this.#records.get(i);
    if (known) return known;
    const r = await this.#src.read(HEADER_BYTES + i * RECORD_BYTES, RECORD_BYTES);
    if (r.length !== RECORD_BYTES || !hash8(r.subarray(0, 32)).equals(r.subarray(32, 40)))
      throw new DamagedScreenIndex(`keyframe ${i + 1} is damaged`);
    const view: RecordView = {
      t: r.readDoubleLE(0),
      offset: r.readDoubleLE(8),
      cols: r.readUInt16LE(16),
      rows: r.readUInt16LE(18),
      screenLength: r.readUInt32LE(20),
      screenOffset: r.readDoubleLE(24),
      screenHash: Buffer.from(r.subarray(40, 48)),
    };
    this.#records.set(i, view);
    return view;
  }

  /** The last keyframe at or before `t` (the first for earlier times), its screen, and where the next starts. */
  async keyframeAt(t: number): Promise<{ keyframe: ScreenKeyframe; nextOffset: number | undefined }> {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((await this.#record(mid)).t <= t) lo = mid;
      else hi = mid - 1;
    }
    const r = await this.#record(lo);
    const screen = await this.#src.read(r.screenOffset, r.screenLength);
    if (screen.length !== r.screenLength || !hash8(screen).equals(r.screenHash))
      throw new DamagedScreenIndex(`the screen of keyframe ${lo + 1} is damaged`);
    const next = lo + 1 < this.count ? await this.#record(lo + 1) : undefined;
    if (next && next.offset <= r.offset) throw new DamagedScreenIndex(`keyframe ${lo + 2} is out of order`);
    return {
      keyframe: { t: r.t, offset: r.offset, cols: r.cols, rows: r.rows, screen: inflate(screen, lo) },
      nextOffset: next?.offset,
    };
  }
}

function inflate(screen: Buffer, i: number): string {
  try {
    return unpackScreen(screen);
  } catch {
    throw new DamagedScreenIndex(`the screen of keyframe ${i + 1} is damaged`);
  }
}
