/**
 * Seeking in a recording through its side index (format: see index-format.ts). The player
 * sizes its terminal to `cols` x `rows` and reads the cast from `offset`, skipping (or replaying
 * fast) events before the wanted time.
 */
import { promises as fs } from 'node:fs';
import { NotFoundError } from '../errors.ts';
import { INDEX_SUFFIX, type IndexEntry } from './index-format.ts';

export interface SeekResult {
  /** Byte offset in the cast file of the first event line to read. */
  offset: number;
  /** The terminal size in effect at that point. */
  cols: number;
  rows: number;
  /** Session time of that event (at most the time asked for). */
  t: number;
}

/** Reads the keyframes of `<castPath>.idx`, in order; unreadable lines (a torn tail) are skipped. */
export async function readIndex(castPath: string): Promise<IndexEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(castPath + INDEX_SUFFIX, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('recording index', castPath);
    throw e;
  }
  return parseIndex(text);
}

/** The keyframes of an index file's text, in order; unreadable lines (a torn tail) are skipped. */
export function parseIndex(text: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (isEntry(v)) entries.push(v);
  }
  return entries;
}

/** The last keyframe at or before `seconds` (the first one for times before the first event). */
export async function seek(castPath: string, seconds: number): Promise<SeekResult> {
  const entries = await readIndex(castPath);
  if (!entries.length) throw new NotFoundError('recording index', castPath);
  let lo = 0;
  let hi = entries.length - 1;
  // Binary search for the last entry with t <= seconds.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (entries[mid]!.t <= seconds) lo = mid;
    else hi = mid - 1;
  }
  const e = entries[lo]!;
  return { offset: e.offset, cols: e.cols, rows: e.rows, t: e.t };
}

function isEntry(v: unknown): v is IndexEntry {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.t === 'number' &&
    typeof o.offset === 'number' &&
    typeof o.cols === 'number' &&
    typeof o.rows === 'number'
  );
}
