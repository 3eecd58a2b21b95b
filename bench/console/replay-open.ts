// One measurement of the console benchmark, in a process of its own so its memory figures are its
// own: open a recording and seek to the middle, then print the bytes read from each file (counted
// by wrapping the reader's file access) and the growth of RSS and of the JS heap, as JSON.
//   --mode whole    the player as it was: the whole cast read into memory, one pass for keyframes
//   --mode reader   core's RecordingReader (draws and keeps a screen index if there is none)
// Run by run.ts: node --expose-gc bin/run-ts.mjs bench/console/replay-open.ts --mode M --cast F
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  CountingSource,
  INDEX_SUFFIX,
  RecordingReader,
  SCREENS_SUFFIX,
  openFileSource,
  type ByteSource,
} from '../../core/index.ts';
import { Replay } from '../../tui/player/replay.ts';
import { Replay as WholeFileReplay } from './whole-file-replay.ts';

const { values: argv } = parseArgs({
  options: { mode: { type: 'string', default: 'reader' }, cast: { type: 'string' } },
});
const cast = argv.cast!;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const counted = async (file: string) => {
  const s = await openFileSource(file);
  return s ? new CountingSource(s) : undefined;
};
const bytes = (s: ByteSource | undefined) => (s instanceof CountingSource ? s.bytesRead : 0);

async function main() {
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  let held: unknown;
  let read: { cast: number; index: number; screens: number };
  let note: string | undefined;
  if (argv.mode === 'whole') {
    const src = (await counted(cast))!;
    const text = (await src.read(0, src.size)).toString('utf8');
    const r = WholeFileReplay.parse(text);
    await r.prepare();
    await r.seek(r.duration / 2);
    held = r;
    read = { cast: src.bytesRead, index: 0, screens: 0 };
  } else {
    const sources = {
      cast: (await counted(cast))!,
      index: await counted(cast + INDEX_SUFFIX),
      screens: await counted(cast + SCREENS_SUFFIX),
      saveScreens: (data: Buffer) => writeFile(cast + SCREENS_SUFFIX, data, { mode: 0o600 }),
    };
    const reader = await RecordingReader.open(sources);
    note = reader.rebuilt;
    const r = Replay.open(reader);
    await r.prepare();
    await r.seek(r.duration / 2);
    held = r;
    read = { cast: bytes(sources.cast), index: bytes(sources.index), screens: bytes(sources.screens) };
  }
  const ms = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  console.log(
    JSON.stringify({
      mode: argv.mode,
      ms: Math.round(ms),
      read,
      rssDeltaMB: mb(after.rss - before.rss),
      heapDeltaMB: mb(after.heapUsed - before.heapUsed),
      ...(note ? { note } : {}),
      held: typeof held,
    }),
  );
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
