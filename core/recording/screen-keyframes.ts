/**
 * Screen keyframes: the screen a recording shows just before given event lines, so a replay can
 * start at any of them instead of at the beginning. The cast's side index (index-format.ts) says
 * where keyframes are (byte offset, time, terminal size) but not what the screen looks like there
 * — that depends on every byte before it — so one pass through a headless terminal draws them.
 * The pass streams the cast (it never holds more than one read of it) and is run once per
 * recording: the recordings room then keeps its result next to the cast (screen-index-file.ts).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ByteSource } from './byte-source.ts';
import { castLines, parseEvent, parseSize, type CastHeader } from './cast-lines.ts';
import { KEYFRAME_BYTES, KEYFRAME_SECONDS, type IndexEntry } from './index-format.ts';
import { ReplayTerminal } from './replay-terminal.ts';

export interface ScreenKeyframe {
  /** Time of the event line at `offset` (0 for the first keyframe). */
  t: number;
  /** Byte offset in the cast of the first event line to replay from. */
  offset: number;
  /** The terminal size and screen (serialized terminal bytes) just before that line. */
  cols: number;
  rows: number;
  screen: string;
}

/** A keyframe as kept: its screen deflated (a screen is mostly runs of the same cells: a tenth). */
export interface PackedKeyframe extends Omit<ScreenKeyframe, 'screen'> {
  packed: Buffer;
}

export const packScreen = (screen: string): Buffer => deflateRawSync(Buffer.from(screen, 'utf8'));
export const unpackScreen = (packed: Buffer): string =>
  inflateRawSync(packed, { maxOutputLength: 16 * 1024 * 1024 }).toString('utf8');

export interface KeyframePass {
  keyframes: PackedKeyframe[];
  /** Time of the last event. */
  duration: number;
  /** Keyframes were placed where the side index says; false: it was missing or did not match. */
  usedIndex: boolean;
  /** Why the side index was not used, when it was not. */
  indexProblem?: string;
}

/** Times in the index and in the cast are both written with 6 decimals. */
const sameTime = (a: number, b: number) => Math.abs(a - b) < 5e-7;

/**
 * One pass over the cast. Keyframes go where the side index puts them, as long as every index
 * entry lands on an event line with its time and terminal size; at the first that does not, the
 * index is distrusted and the writer's own rule (every KEYFRAME_SECONDS or KEYFRAME_BYTES) places
 * the rest. The screens are drawn here either way, so a wrong index can only move keyframes,
 * never show a wrong screen.
 */
export async function drawKeyframes(
  cast: ByteSource,
  header: CastHeader,
  index: IndexEntry[] | undefined,
): Promise<KeyframePass> {
  const term = new ReplayTerminal(header.width, header.height);
  const keyframes: PackedKeyframe[] = [
    { t: 0, offset: header.end, cols: term.cols, rows: term.rows, packed: packScreen('') },
  ];
  const entries = (index ?? []).filter((e) => e.offset > header.end && e.offset < cast.size);
  let problem: string | undefined = index ? undefined : 'the recording has no side index';
  let next = 0;
  let duration = 0;
  let batch = '';
  const flush = async () => {
    if (batch) await term.write(batch);
    batch = '';
  };
  try {
    for await (const line of castLines(cast, header.end)) {
      const ev = parseEvent(line.text);
      if (!ev) continue;
      let here = false;
      if (!problem) {
        if (next < entries.length && entries[next]!.offset < line.offset)
          problem = `index keyframe ${next + 1} does not start an event line`;
        else if (next < entries.length && entries[next]!.offset === line.offset) {
          const e = entries[next++]!;
          if (!sameTime(e.t, ev.t)) problem = `index keyframe ${next} has the wrong time`;
          else if (e.cols !== term.cols || e.rows !== term.rows)
            problem = `index keyframe ${next} has the wrong terminal size`;
          else here = true;
        }
      }
      // Past the index's last entry (a torn or distrusted index): the writer's rule.
      if (problem || next >= entries.length) {
        const last = keyframes[keyframes.length - 1]!;
        if (!here && (ev.t - last.t >= KEYFRAME_SECONDS || line.offset - last.offset >= KEYFRAME_BYTES))
          here = line.offset > last.offset;
      }
      if (here) {
        await flush();
        keyframes.push({
          t: ev.t,
          offset: line.offset,
          cols: term.cols,
          rows: term.rows,
          packed: packScreen(term.serialize()),
        });
        // Let the console draw while a long recording is prepared.
        await new Promise((r) => setImmediate(r));
      }
      duration = Math.max(duration, ev.t);
      if (ev.kind === 'o') {
        batch += ev.data;
        if (batch.length >= 64 * 1024) await flush();
      } else if (ev.kind === 'r') {
        const size = parseSize(ev.data);
        if (size) {
          await flush();
          term.resize(size.cols, size.rows);
        }
      }
    }
    await flush();
  } finally {
    term.dispose();
  }
  if (!problem && next < entries.length) problem = `index keyframe ${next + 1} does not start an event line`;
  return { keyframes, duration, usedIndex: !problem, ...(problem ? { indexProblem: problem } : {}) };
}
