// The recording reader: a seek through the screen index shows exactly the screen a replay from the
// start shows (at many instants of a random session, fixed seed), reads only a few keyframes'
// stretch of the cast, and a recording without a usable index (none, a damaged screen index, a
// wrong side index) still replays, in one streaming pass, and says why.
import { mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AsciicastWriter,
  CountingSource,
  INDEX_SUFFIX,
  ManualClock,
  RecordingReader,
  ReplayTerminal,
  SCREENS_SUFFIX,
  openFileSource,
  parseSizeOfResize,
  readIndex,
  type ByteSource,
} from '../../core/index.ts';
import { Replay } from '../../tui/player/replay.ts';

/** A small fixed-seed generator (mulberry32): the same "random" session on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = '2026-05-06T07:08:09Z';
let dir: string;

/**
 * Minutes of a session whose screen depends on everything before: cursor moves, colours,
 * clears, a scroll region left set across keyframes, resizes, bursts large enough to cut keyframes
 * by size, input (not drawn) and idle stretches. Lines stay narrower than the terminal: how xterm
 * reflows a wrapped line on a later resize is not carried by a keyframe (docs/auditors/replay.md).
 */
async function recordSession(name: string, seed = 7, minutes = 10): Promise<string> {
  const rnd = random(seed);
  const clock = new ManualClock(START);
  const castPath = path.join(dir, `${name}.cast`);
  const w = await AsciicastWriter.create({
    id: name,
    castPath,
    clock,
    keyframeBytes: 16 * 1024,
    meta: {
      sessionId: name,
      user: 'alice',
      target: 'web01/root',
      protocol: 'ssh',
      cols: 60,
      rows: 12,
      source: 'test',
      startedAt: clock.now(),
    },
  });
  let step = 0;
  while (clock.now().getTime() - Date.parse(START) < minutes * 60_000) {
    const r = rnd();
    step++;
    if (r < 0.03) w.resize(60 + Math.floor(rnd() * 20), 8 + Math.floor(rnd() * 8));
    else if (r < 0.06) w.output(Buffer.from(`\x1b[2J\x1b[Hcleared at step ${step}\r\n`));
    else if (r < 0.08) w.output(Buffer.from(`\x1b[2;6r\x1b[6;1Hpager from ${step}\n`));
    else if (r < 0.1) w.output(Buffer.from(`scrolling ${step}\n\n`));
    else if (r < 0.11) w.output(Buffer.from(`\x1b[r\x1b[8;1Hpager off ${step}\r\n`));
    else if (r < 0.13) w.output(Buffer.from(`\x1b[1m${'burst of lines\r\n'.repeat(400)}\x1b[0m`));
    else if (r < 0.2) w.input(Buffer.from('ls\r'));
    else {
      const row = 1 + Math.floor(rnd() * 10);
      const col = 1 + Math.floor(rnd() * 20);
      w.output(
        Buffer.from(`\x1b[${row};${col}H\x1b[3${step % 8}m·${step}\x1b[0m done ${'.'.repeat(step % 20)}\r\n`),
      );
    }
    clock.advance(rnd() < 0.05 ? 20_000 : Math.floor(rnd() * 900));
  }
  await w.close();
  return castPath;
}

/** The screen at each of `times` by playing the whole cast from the start (the reference). */
async function straightScreens(castPath: string, times: number[]): Promise<Map<number, string[]>> {
  const lines = (await readFile(castPath, 'utf8')).split('\n');
  const header = JSON.parse(lines[0]!) as { width: number; height: number };
  const events = lines
    .slice(1)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as [number, string, string]);
  const term = new ReplayTerminal(header.width, header.height);
  const out = new Map<number, string[]>();
  let i = 0;
  for (const t of [...times].sort((a, b) => a - b)) {
    let batch = '';
    for (; i < events.length && events[i]![0] <= t; i++) {
      const [, kind, data] = events[i]!;
      if (kind === 'o') batch += data;
      if (kind === 'r') {
        await term.write(batch);
        batch = '';
        const size = parseSizeOfResize(data)!;
        term.resize(size.cols, size.rows);
      }
    }
    await term.write(batch);
    out.set(t, term.lines());
  }
  term.dispose();
  return out;
}

/** A counting source that also remembers its largest single read. */
class Counted extends CountingSource {
  largestRead = 0;
  override async read(position: number, length: number): Promise<Buffer> {
    const b = await super.read(position, length);
    this.largestRead = Math.max(this.largestRead, b.length);
    return b;
  }
}
const counted = async (file: string) => {
  const s = await openFileSource(file);
  return s && new Counted(s);
};

/** Opens a recording as the recordings room does, counting what is read, keeping a drawn index. */
async function openCounted(castPath: string, keep = true) {
  const cast = (await counted(castPath))!;
  const index = await counted(castPath + INDEX_SUFFIX);
  const screens = await counted(castPath + SCREENS_SUFFIX);
  const saveScreens = keep ? (data: Buffer) => writeFile(castPath + SCREENS_SUFFIX, data) : undefined;
  const reader = await RecordingReader.open({ cast, index, screens, saveScreens });
  return { reader, cast, index, screens };
}

/** Seeks at each time in a shuffled order and expects the reference screen. */
async function expectSameScreens(
  castPath: string,
  replay: Replay,
  times: number[],
  seed = 11,
): Promise<void> {
  const reference = await straightScreens(castPath, times);
  const rnd = random(seed);
  const order = [...times].sort(() => rnd() - 0.5);
  for (const t of order) {
    await replay.seek(t);
    expect({ t, lines: replay.lines() }).toEqual({ t, lines: reference.get(t) });
  }
}

function instants(duration: number, n: number, seed = 3): number[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => Math.round(rnd() * duration * 1000) / 1000).concat([0, duration]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'custody-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recording reader', () => {
  let castPath: string;
  beforeAll(async () => {
    castPath = await recordSession('session');
  });

  it('draws the screen index once (guided by the side index), then seeks to the same screens as a replay from the start', async () => {
    const first = await openCounted(castPath);
    expect(first.reader.rebuilt).toBe('it has no screen index yet');
    const drawing = Replay.open(first.reader);
    await drawing.prepare();
    expect(first.reader.rebuilt).toBe('it has no screen index yet'); // the side index matched
    expect(first.reader.saveProblem).toBeUndefined();
    // The pass streams the cast: no read larger than the reader's largest chunk.
    expect(first.cast.largestRead).toBeLessThanOrEqual(64 * 1024);
    expect((await stat(castPath + SCREENS_SUFFIX)).size).toBeGreaterThan(256);
    const times = instants(drawing.duration, 60);
    await expectSameScreens(castPath, drawing, times);
    drawing.dispose();

    const again = await openCounted(castPath);
    expect(again.reader.rebuilt).toBeUndefined();
    expect(again.reader.prepared).toBe(true);
    const replay = Replay.open(again.reader);
    await replay.prepare();
    await expectSameScreens(castPath, replay, times, 12);
    // Seeking through the screen index never needs the side index.
    expect(again.index!.bytesRead).toBe(0);
    replay.dispose();
  });

  it('a seek to the middle of an hour reads a small multiple of the keyframe stretch of the cast, and no index whole', async () => {
    const castPath = await recordSession('hour', 17, 60);
    const drawn = (await openCounted(castPath)).reader;
    await drawn.prepare();
    await drawn.close();
    const entries = await readIndex(castPath);
    const castSize = (await stat(castPath)).size;
    const offsets = [...entries.map((e) => e.offset), castSize];
    const stretch = Math.max(...offsets.slice(1).map((o, i) => o - offsets[i]!));
    expect(entries.length).toBeGreaterThan(200);

    const { reader, cast, screens } = await openCounted(castPath);
    expect(reader.rebuilt).toBeUndefined();
    const replay = Replay.open(reader);
    await replay.prepare();
    const castBefore = cast.bytesRead;
    const screensBefore = screens!.bytesRead;
    await replay.seek(replay.duration / 2);
    const castRead = cast.bytesRead - castBefore;
    const screensRead = screens!.bytesRead - screensBefore;
    // The stretch from the keyframe, and about one more for the look-ahead past the time asked.
    expect(castRead).toBeGreaterThan(0);
    expect(castRead).toBeLessThanOrEqual(3 * Math.max(stretch, 1024));
    expect(castRead).toBeLessThan(castSize / 10);
    // About log2(keyframes) records of 48 bytes and one screen of at most a few KiB.
    expect(screensRead).toBeLessThanOrEqual(48 * (Math.ceil(Math.log2(entries.length)) + 2) + 16 * 1024);
    expect(screensRead).toBeLessThan(screens!.size / 10);
    replay.dispose();
  });

  it('a recording without a side index or screen index replays in one streaming pass, and says so', async () => {
    const bare = await recordSession('bare', 21);
    await unlink(bare + INDEX_SUFFIX);
    const { reader, cast } = await openCounted(bare, false);
    const replay = Replay.open(reader);
    await replay.prepare();
    expect(reader.rebuilt).toBe(
      'it has no screen index yet; keyframes placed without the side index (the recording has no side index)',
    );
    expect(cast.largestRead).toBeLessThanOrEqual(64 * 1024);
    await expectSameScreens(bare, replay, instants(replay.duration, 30, 5));
    replay.dispose();
  });

  it('a side index that does not match its cast is noticed and cannot put a wrong screen on show', async () => {
    const wrong = await recordSession('wrong-index', 31);
    const idx = (await readFile(wrong + INDEX_SUFFIX, 'utf8')).split('\n');
    // Keyframe 10 now points three bytes into its event line.
    const entry = JSON.parse(idx[10]!) as { offset: number };
    idx[10] = JSON.stringify({ ...entry, offset: entry.offset + 3 });
    await writeFile(wrong + INDEX_SUFFIX, idx.join('\n'));
    const { reader } = await openCounted(wrong, false);
    const replay = Replay.open(reader);
    await replay.prepare();
    expect(reader.rebuilt).toMatch(
      /without the side index \(index keyframe \d+ does not start an event line\)/,
    );
    await expectSameScreens(wrong, replay, instants(replay.duration, 30, 6));
    replay.dispose();
  });

  it('a damaged screen index is detected (hash, size, another cast) and the screens are drawn again', async () => {
    const damaged = await recordSession('damaged', 41);
    const drawn = await openCounted(damaged);
    await drawn.reader.prepare();
    await drawn.reader.close();
    const good = await readFile(damaged + SCREENS_SUFFIX);
    const times = instants(600, 20, 8);

    // One flipped byte in a screen: noticed when that screen is read.
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40] = flipped[flipped.length - 40]! ^ 0x55;
    await writeFile(damaged + SCREENS_SUFFIX, flipped);
    let opened = await openCounted(damaged, false);
    expect(opened.reader.rebuilt).toBeUndefined(); // the header is sound
    let replay = Replay.open(opened.reader);
    await replay.prepare();
    await replay.seek(replay.duration); // the last keyframe's screen is at the end of the file
    expect(opened.reader.rebuilt).toMatch(
      /^its screen index is damaged \(the screen of keyframe \d+ is damaged\)/,
    );
    await expectSameScreens(damaged, replay, times);
    replay.dispose();

    // One flipped byte in a record's time.
    const record = Buffer.from(good);
    record[256 + 48 * 3] = record[256 + 48 * 3]! ^ 0x01;
    await writeFile(damaged + SCREENS_SUFFIX, record);
    opened = await openCounted(damaged, false);
    replay = Replay.open(opened.reader);
    await replay.prepare();
    await expectSameScreens(damaged, replay, times);
    expect(opened.reader.rebuilt).toMatch(/^its screen index is damaged \(keyframe \d+ is damaged\)/);
    replay.dispose();

    // Cut short.
    await writeFile(damaged + SCREENS_SUFFIX, good);
    await truncate(damaged + SCREENS_SUFFIX, 300);
    opened = await openCounted(damaged, false);
    expect(opened.reader.rebuilt).toBe('its screen index is not usable (it is truncated)');
    await opened.reader.close();

    // The cast edited without changing its size or header: every keyframe after the edit is
    // one byte off its line, which the first look at the cast there shows.
    await writeFile(damaged + SCREENS_SUFFIX, good);
    const original = await readFile(damaged, 'utf8');
    const lines = original.split('\n');
    lines[1] = lines[1]!.replace(', ', ',');
    lines[lines.length - 2] = lines[lines.length - 2]!.replace(', ', ',  ');
    await writeFile(damaged, lines.join('\n'));
    expect((await stat(damaged)).size).toBe(Buffer.byteLength(original));
    opened = await openCounted(damaged, false);
    expect(opened.reader.rebuilt).toBeUndefined();
    replay = Replay.open(opened.reader);
    await replay.prepare();
    await expectSameScreens(damaged, replay, times);
    expect(opened.reader.rebuilt).toMatch(
      /^its screen index is damaged \(keyframe at [\d.]+ s does not match the cast\)/,
    );
    replay.dispose();
    await writeFile(damaged, original);

    // Made for the cast before it grew (or for another cast).
    await writeFile(damaged + SCREENS_SUFFIX, good);
    await writeFile(damaged, '[600.5, "o", "more"]\n', { flag: 'a' });
    opened = await openCounted(damaged, false);
    expect(opened.reader.rebuilt).toBe(
      'its screen index is not usable (it was made for another version of the cast)',
    );
    replay = Replay.open(opened.reader);
    await replay.prepare();
    await expectSameScreens(damaged, replay, [...times, 600.5]);
    replay.dispose();
  });

  it('keeps the player engine working on a cast held in memory', async () => {
    const src: ByteSource = (await openFileSource(castPath))!;
    const text = (await src.read(0, src.size)).toString('utf8');
    await src.close();
    const replay = await Replay.parse(text);
    await expectSameScreens(castPath, replay, instants(replay.duration, 10, 9));
    replay.dispose();
  });
});
