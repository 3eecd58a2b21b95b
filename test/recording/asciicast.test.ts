// The asciicast v2 recorder: timing, streaming UTF-8, suspension, resize, flushing, failure and
// the side index, and the real `asciinema` player reading what was written.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AsciicastWriter,
  ManualClock,
  ManualTimers,
  readIndex,
  seek,
  type AsciicastWriterOptions,
  type RecordingMeta,
} from '../../core/index.ts';

const run = promisify(execFile);
const START = '2026-03-04T05:06:07.250Z';

let dir: string;
let clock: ManualClock;
let n = 0;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'custody-cast-'));
  clock = new ManualClock(START);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function meta(over: Partial<RecordingMeta> = {}): RecordingMeta {
  return {
    sessionId: 'sess-1',
    user: 'alice',
    target: 'web01/root',
    protocol: 'ssh',
    cols: 80,
    rows: 24,
    source: '127.0.0.1',
    startedAt: new Date(START),
    ...over,
  };
}

async function writer(over: Partial<AsciicastWriterOptions> = {}): Promise<AsciicastWriter> {
  const id = `rec-${++n}`;
  return AsciicastWriter.create({ id, castPath: path.join(dir, `${id}.cast`), meta: meta(), clock, ...over });
}

type Event = [number, string, string];

async function castOf(
  file: string,
): Promise<{ header: Record<string, unknown>; events: Event[]; raw: string }> {
  const raw = await readFile(file, 'utf8');
  const lines = raw.split('\n').filter(Boolean);
  return {
    header: JSON.parse(lines[0]!) as Record<string, unknown>,
    events: lines.slice(1).map((l) => JSON.parse(l) as Event),
    raw,
  };
}

const b = (s: string) => Buffer.from(s, 'utf8');

describe('asciicast v2 writer', () => {
  it('writes the header and timestamped o/i/r events relative to the start, 6 decimals', async () => {
    const w = await writer();
    w.output(b('hello'));
    clock.advance(1500);
    w.input(b('ls\r'));
    clock.advance(250);
    w.resize(100, 30);
    clock.advance(1);
    w.output(b('x'));
    const summary = await w.close();

    const { header, events, raw } = await castOf(w.castPath);
    expect(header).toEqual({
      version: 2,
      width: 80,
      height: 24,
      timestamp: Math.floor(Date.parse(START) / 1000),
      title: 'alice → web01/root',
      env: { TERM: 'xterm-256color' },
    });
    expect(events).toEqual([
      [0, 'o', 'hello'],
      [1.5, 'i', 'ls\r'],
      [1.75, 'r', '100x30'],
      [1.751, 'o', 'x'],
    ]);
    expect(raw).toContain('[1.500000, "i", "ls\\r"]\n');
    expect(raw).toContain('[1.751000, "o", "x"]\n');
    expect(summary).toMatchObject({ id: w.id, path: w.castPath, events: 4, durationMs: 1751 });
    expect(summary.bytes).toBe((await stat(w.castPath)).size);
    expect((await stat(w.castPath)).mode & 0o777).toBe(0o600);
    expect((await stat(w.indexPath)).mode & 0o777).toBe(0o600);
  });

  it("names the client's terminal type in the header, and the default for an odd one", async () => {
    for (const [term, expected] of [
      ['vt100', 'vt100'],
      [undefined, 'xterm-256color'],
      ['x\u001b]0;evil\u0007', 'xterm-256color'],
      ['a'.repeat(65), 'xterm-256color'],
    ] as const) {
      const id = `rec-${++n}`;
      const w = await AsciicastWriter.create({
        id,
        castPath: path.join(dir, `${id}.cast`),
        meta: meta(term === undefined ? {} : { term }),
        clock,
      });
      await w.close();
      expect((await castOf(w.castPath)).header.env).toEqual({ TERM: expected });
    }
  });

  it('joins multi-byte characters split across chunks (never U+FFFD), per direction', async () => {
    const w = await writer();
    const euro = b('€'); // e2 82 ac
    const smile = b('😀'); // f0 9f 98 80
    w.output(euro.subarray(0, 1));
    w.input(smile.subarray(0, 1)); // interleaved input must not disturb the output decoder
    w.output(euro.subarray(1));
    w.output(Buffer.concat([b('a'), smile.subarray(0, 2)]));
    w.input(smile.subarray(1, 3));
    w.output(Buffer.concat([smile.subarray(2), b('b')]));
    w.input(smile.subarray(3));
    await w.close();
    const { events, raw } = await castOf(w.castPath);
    expect(raw).not.toContain('\ufffd');
    expect(raw).not.toContain('\\ufffd');
    expect(events.map(([, c, d]) => [c, d])).toEqual([
      ['o', '€'],
      ['o', 'a'],
      ['o', '😀b'],
      ['i', '😀'],
    ]);
  });

  it('writes nothing at all while suspended, and the size in effect on resume', async () => {
    const w = await writer();
    w.output(b('Password: '));
    w.output(b('€').subarray(0, 2)); // a character cut by the suspension is dropped whole
    w.suspend();
    w.input(b('Sup3r-S3cret!\r'));
    w.output(b('S3CRET-ECHO'));
    w.resize(120, 40);
    clock.advance(2000);
    w.resume();
    w.output(Buffer.concat([b('€').subarray(2), b('\r\nwelcome')]));
    await w.close();
    const { events, raw } = await castOf(w.castPath);
    expect(raw).not.toMatch(/S3cret|S3CRET|\ufffd/);
    expect(events).toEqual([
      [0, 'o', 'Password: '],
      [2, 'r', '120x40'],
      [2, 'o', '\r\nwelcome'],
    ]);
  });

  it('reaches the disk within a second without close (on its timer, a manual clock)', async () => {
    const timers = new ManualTimers(new Date());
    const w = await writer({ timers });
    w.output(b('flushed-by-timer'));
    timers.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(await readFile(w.castPath, 'utf8')).not.toContain('flushed-by-timer');
    expect(w.backlog()).toBeGreaterThan(0);
    timers.advance(1);
    // The timer's flush is under way: wait for the file write it started (never a sleep).
    for (let i = 0; i < 1000 && w.backlog() > 0; i++) await new Promise((r) => setImmediate(r));
    const after = await readFile(w.castPath, 'utf8');
    expect(after).toContain('[0.000000, "o", "flushed-by-timer"]\n');
    // The next flush is armed again, and close() cancels it.
    expect(timers.pending).toBe(1);
    await w.close();
    expect(timers.pending).toBe(0);
  });

  it('committed() says true only once the bytes are in the file, and false after a failure', async () => {
    const handles: FileHandle[] = [];
    const w = await writer({
      openFile: async (p) => {
        const h = await open(p, 'wx', 0o600);
        handles.push(h);
        return h;
      },
    });
    w.output(b('first'));
    w.output(b('second'));
    // Written at once, not on the 1 s timer.
    expect(await w.committed()).toBe(true);
    expect(await readFile(w.castPath, 'utf8')).toContain('"second"');
    expect(await w.committed()).toBe(true); // nothing new: at once
    await handles[0]!.close(); // the cast's descriptor goes away under the writer
    w.output(b('lost'));
    expect(await w.committed()).toBe(false);
    expect(await w.committed()).toBe(false);
    await w.close();
  });

  it('calls the failure callbacks once on a write error, then drops further data', async () => {
    const handles: FileHandle[] = [];
    const w = await writer({
      openFile: async (p) => {
        const h = await open(p, 'wx', 0o600);
        handles.push(h);
        return h;
      },
    });
    const errors: Error[] = [];
    const second: Error[] = [];
    w.onFailure((e) => errors.push(e));
    w.onFailure((e) => second.push(e));
    await handles[0]!.close(); // the cast's descriptor goes away under the writer
    w.output(b('lost'));
    await w.flush();
    w.output(b('more'));
    await w.flush();
    const summary = await w.close();
    expect(errors).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(w.failed).toBe(errors[0]);
    const late: Error[] = [];
    w.onFailure((e) => late.push(e)); // registering after the fact still hears about it
    await new Promise((r) => setTimeout(r, 0));
    expect(late).toEqual(errors);
    expect(await readFile(w.castPath, 'utf8')).not.toContain('lost');
    expect(summary.bytes).toBe((await stat(w.castPath)).size);
  });

  it('indexes keyframes every 5 s (and every 256 KiB) at event lines, and seek uses them', async () => {
    const w = await writer();
    for (let s = 0; s < 12; s++) {
      w.output(b(`line ${s}\r\n`));
      if (s === 7) w.resize(100, 30);
      clock.advance(1000);
    }
    // 300 KiB at one instant: the byte rule adds a keyframe without time passing.
    for (let i = 0; i < 75; i++) w.output(Buffer.alloc(4096, 'z'));
    await w.close();

    const cast = await readFile(w.castPath);
    const entries = await readIndex(w.castPath);
    const header = JSON.parse((await readFile(w.indexPath, 'utf8')).split('\n')[0]!) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({ version: 1, format: 'custody-cast-index', intervalSeconds: 5 });
    expect(entries.map((e) => e.t)).toEqual([0, 5, 10, 12]);
    expect(entries[0]!.offset).toBe(cast.indexOf('\n') + 1);
    for (const e of entries) {
      // Every offset is the start of an event line whose time is the entry's time.
      expect(e.offset === 0 || cast[e.offset - 1] === 0x0a).toBe(true);
      const line = cast.subarray(e.offset, cast.indexOf('\n', e.offset)).toString('utf8');
      expect((JSON.parse(line) as Event)[0]).toBe(e.t);
    }
    const bigOffsets = entries.filter((e) => e.t === 12).map((e) => e.offset);
    expect(bigOffsets).toHaveLength(1);
    expect(cast.length - bigOffsets[0]!).toBeLessThanOrEqual(256 * 1024 + 5000);

    expect(await seek(w.castPath, -1)).toEqual({ t: 0, offset: entries[0]!.offset, cols: 80, rows: 24 });
    expect(await seek(w.castPath, 7.5)).toEqual({ t: 5, offset: entries[1]!.offset, cols: 80, rows: 24 });
    // The resize at 7 s is in effect at the 10 s keyframe.
    expect(await seek(w.castPath, 11)).toEqual({ t: 10, offset: entries[2]!.offset, cols: 100, rows: 30 });
    expect(await seek(w.castPath, 999)).toMatchObject({ t: 12, cols: 100, rows: 30 });
    // Reading from a seek offset gives whole event lines, starting at the wanted time.
    const at = await seek(w.castPath, 5);
    const first = cast.subarray(at.offset, cast.indexOf('\n', at.offset)).toString('utf8');
    expect(JSON.parse(first)).toEqual([5, 'o', 'line 5\r\n']);
  });
});

const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, cmd)));
const hasAsciinema = existsSync('/usr/bin/asciinema') || onPath('asciinema');
/** `script` (util-linux) provides the terminal `asciinema cat` needs. */
const hasScript = onPath('script');

describe('the real asciinema player', () => {
  it.skipIf(!hasAsciinema || !hasScript)(
    `asciinema cat prints what was recorded${
      hasAsciinema
        ? hasScript
          ? ''
          : ' (skipped: script not installed)'
        : ' (skipped: asciinema not installed)'
    }`,
    async () => {
      const w = await writer();
      w.output(b('hello world\r\n'));
      clock.advance(100);
      w.input(b('typed-input'));
      const euro = b('€');
      const smile = b('😀');
      w.output(euro.subarray(0, 1));
      w.output(Buffer.concat([euro.subarray(1), smile.subarray(0, 2)]));
      clock.advance(100);
      w.resize(120, 40);
      w.output(Buffer.concat([smile.subarray(2), b(' Grüße\r\n')]));
      await w.close();
      // `asciinema cat` insists on a controlling terminal (it opens /dev/tty): `script` gives it a
      // pseudo-terminal, and its stdout goes to a file so the bytes are exactly what it printed.
      const out = path.join(dir, 'cat.out');
      const sh = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
      await run('script', ['-qec', `asciinema cat ${sh(w.castPath)} > ${sh(out)}`, '/dev/null'], {
        env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
        timeout: 30_000,
      });
      expect(await readFile(out, 'utf8')).toBe('hello world\r\n€😀 Grüße\r\n');
    },
  );
});
