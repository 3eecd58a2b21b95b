// Console benchmark (not a test): `npm run bench:console`.
//
// Seeds a throw-away SQLite home with 100,000 accounts (1,000 resources × 100) and measures the
// Ink console through the same ConsoleTerminal contract the gateway uses:
//   - time to first frame (start → the Favourites view drawn), goal 300 ms;
//   - the All view's first full list (the explorer index load of every account);
//   - keystroke-to-redraw while typing a search: key → the typed text on screen (echo), and
//     key → the filtered result count on screen (search), goal 30 ms;
//   - a synthetic one-hour recording: bytes read, memory and time to open it and seek to its middle
//     (each in a process of its own), then random seeks, goal 100 ms.
// Baselines measured in the same run: the same keystroke echo through a bare Ink app (the
// framework's floor), the player as it was before the recording reader (whole file in memory, one
// pass to build keyframes: bench/console/whole-file-replay.ts), and a seek without keyframes
// (replaying from the start).
// Options: --accounts N (100000) --keys N (40)
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, writeFile, rm, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { aad } from '../../core/crypto/aad.ts';
import {
  AsciicastWriter,
  INDEX_SUFFIX,
  ManualClock,
  REPOSITORY_ROOT,
  RecordingReader,
  SCREENS_SUFFIX,
  Secret,
  openFileSource,
  type Account,
  type ConsoleTerminal,
  type Resource,
} from '../../core/index.ts';
import { startConsole } from '../../tui/index.ts';
import { importWithoutCi } from '../../tui/ink-loader.ts';
import { Replay } from '../../tui/player/replay.ts';
import { Replay as WholeFileReplay } from './whole-file-replay.ts';
import { createTestVault } from '../../test/support/vault.ts';
import { contextOf } from '../../test/support/core-internals.ts';

const { values: argv } = parseArgs({
  options: { accounts: { type: 'string', default: '100000' }, keys: { type: 'string', default: '40' } },
});
const ACCOUNTS = Number(argv.accounts);
const KEYS = Number(argv.keys);
const RESOURCES = Math.max(1, Math.round(ACCOUNTS / 100));
const run = promisify(execFile);

interface OpenFigures {
  ms: number;
  read: { cast: number; index: number; screens: number };
  rssDeltaMB: number;
  heapDeltaMB: number;
  note?: string;
}
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: p(50), p95: p(95), max: s[s.length - 1] ?? NaN };
}

/** A terminal that records when bytes arrive; `until(text)` resolves on the first write containing it. */
function recordingTerminal(cols = 100, rows = 30) {
  const events = new EventEmitter();
  let waiters: { text: string; resolve: (t: number) => void }[] = [];
  const terminal: ConsoleTerminal = {
    cols,
    rows,
    write: (d) => {
      const s = typeof d === 'string' ? d : d.toString('utf8');
      const now = performance.now();
      waiters = waiters.filter((w) => (s.includes(w.text) ? (w.resolve(now), false) : true));
    },
    onData: (cb) => (events.on('data', cb), () => events.off('data', cb)),
    onResize: () => () => undefined,
    onEnd: (cb) => (events.on('end', cb), () => events.off('end', cb)),
  };
  return {
    terminal,
    until: (text: string, ms = 60_000) =>
      new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no frame with '${text}'`)), ms);
        waiters.push({ text, resolve: (x) => (clearTimeout(t), resolve(x)) });
      }),
    key: (k: string) => events.emit('data', Buffer.from(k)),
    end: () => events.emit('end'),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const v = await createTestVault();
  const { core } = v;
  log(`seeding ${ACCOUNTS} accounts over ${RESOURCES} resources`);
  const type = (await contextOf(core).store.read((r) => r.types.byName('linux')))!;
  const now = contextOf(core).now();
  let made = 0;
  for (let start = 0; start < RESOURCES; start += 10) {
    await contextOf(core).store.tx(async (r) => {
      for (let ri = start; ri < Math.min(RESOURCES, start + 10); ri++) {
        const name = `srv${String(ri).padStart(4, '0')}`;
        const resource: Resource = {
          id: contextOf(core).ids.next(),
          name,
          typeId: type.id,
          dnsName: `${name}.bench.example`,
          port: 22,
          description: `bench host ${ri}`,
          department: '',
          location: '',
          url: '',
          domainName: '',
          policyId: null,
          ownerId: v.host.user.id,
          allowPortForwarding: false,
          createdAt: now,
          updatedAt: now,
        };
        await r.resources.insert(resource);
        for (let ai = 0; ai < 100 && made < ACCOUNTS; ai++, made++) {
          const id = contextOf(core).ids.next();
          const account: Account = {
            id,
            resourceId: resource.id,
            name: `acct${String(ai).padStart(3, '0')}`,
            notes: '',
            passwordEnc: contextOf(core).keyring.seal(
              Secret.fromString(`Bench#${ri}.${ai}-kQ7`),
              aad.account(id),
            ),
            passwordChangedAt: now,
            passwordChangedBy: v.host.name,
            credentialKind: 'password',
            createdAt: now,
          };
          await r.accounts.insert(account);
        }
      }
    });
  }
  for (let i = 0; i < 20; i++)
    await core.explorer.setFavourite(
      v.host,
      `srv${String((i * 7) % RESOURCES).padStart(4, '0')}/acct${String(i).padStart(3, '0')}`,
      true,
    );
  // Load Ink and React once, as a running server would have them loaded.
  await importWithoutCi(() => Promise.all([import('ink'), import('react'), import('../../tui/app.tsx')]));

  // 1. Time to first frame, 2. All view, 3. keystroke-to-redraw.
  const firstFrame: number[] = [];
  const allView: number[] = [];
  const echo: number[] = [];
  const search: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t = recordingTerminal();
    const started = performance.now();
    const shown = t.until('20 rows');
    const exit = startConsole({ core, actor: v.host, source: 'bench', launch: async () => 0 }, t.terminal);
    firstFrame.push((await shown) - started);
    const all = t.until(`${ACCOUNTS} accounts`);
    const pressed = performance.now();
    t.key('\x1b[C');
    allView.push((await all) - pressed);
    if (round === 0) {
      // Type "srv0", then cycle digits: each key narrows or changes the search.
      const typed: string[] = [];
      for (let i = 0; i < KEYS; i++) {
        const ch = i < 4 ? 'srv0'[i]! : i % 2 ? '\x7f' : String(i % 10);
        if (ch === '\x7f') typed.pop();
        else typed.push(ch);
        const needle = typed.join('');
        const expected = (await core.explorer.all(v.host, needle, 0)).total;
        const echoed = t.until(`\x1b[39m${needle}`);
        const counted = t.until(`All · ${expected} accounts`);
        const at = performance.now();
        t.key(ch);
        echo.push((await echoed) - at);
        search.push((await counted) - at);
        await pause(40);
      }
    }
    t.end();
    await exit;
  }

  // Baseline: the same echo through a bare Ink app (one Text that shows what was typed).
  const baseEcho: number[] = [];
  {
    const [{ render, Text, useInput }, React] = await importWithoutCi(() =>
      Promise.all([import('ink'), import('react')]),
    );
    const { TerminalStreams } = await import('../../tui/terminal-streams.ts');
    const t = recordingTerminal();
    const streams = new TerminalStreams(t.terminal);
    function Echo() {
      const [s, set] = React.useState('');
      useInput((input) => set((x) => (x + input).slice(-20)));
      return React.createElement(Text, null, `typed ${s}`);
    }
    const inst = render(React.createElement(Echo), {
      stdout: streams.stdout as unknown as NodeJS.WriteStream,
      stdin: streams.stdin as unknown as NodeJS.ReadStream,
      patchConsole: false,
      exitOnCtrlC: false,
    });
    await pause(100);
    let typed = '';
    for (let i = 0; i < KEYS; i++) {
      const ch = String.fromCharCode(97 + (i % 26));
      typed = (typed + ch).slice(-20);
      const seen = t.until(`typed ${typed}`);
      const at = performance.now();
      t.key(ch);
      baseEcho.push((await seen) - at);
      await pause(40);
    }
    inst.unmount();
    streams.close();
  }

  // 4. A synthetic one-hour recording (an event every 0.5 s, a screenful every minute), written by
  // the real recorder under a manual clock so it has its side index like any recording.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-bench-cast-'));
  const cast = path.join(dir, 'hour.cast');
  const castClock = new ManualClock('2026-01-01T00:00:00Z');
  const writer = await AsciicastWriter.create({
    id: 'hour',
    castPath: cast,
    clock: castClock,
    meta: {
      sessionId: 'bench',
      user: 'bench',
      target: 'srv/acct',
      protocol: 'ssh',
      cols: 100,
      rows: 30,
      source: 'bench',
      startedAt: castClock.now(),
    },
  });
  for (let i = 0; i < 7200; i++) {
    const t = i * 0.5;
    const text =
      i % 120 === 0
        ? '\x1b[H\x1b[2J' + 'x'.repeat(100 * 29)
        : `line ${i} at ${t.toFixed(1)} s ${'#'.repeat(i % 60)}\r\n`;
    writer.output(Buffer.from(text));
    castClock.advance(500);
  }
  const castBytes = (await writer.close()).bytes;

  // Open + seek to the middle, each in a process of its own (bytes read and memory): the player as
  // it was (whole file), then the reader on a recording never replayed (it draws its screen index)
  // and on the same recording replayed again (it reads through that index).
  const measure = async (mode: string) => {
    const { stdout } = await run(process.execPath, [
      '--expose-gc',
      path.join(REPOSITORY_ROOT, 'bin', 'run-ts.mjs'),
      path.join(REPOSITORY_ROOT, 'bench', 'console', 'replay-open.ts'),
      '--mode',
      mode,
      '--cast',
      cast,
    ]);
    return JSON.parse(stdout.trim().split('\n').pop()!) as OpenFigures;
  };
  const openWhole = await measure('whole');
  const openFirst = await measure('reader');
  const openIndexed = await measure('reader');

  // Random seeks through the reader, and the same without keyframes (played from the start).
  const replay = Replay.open(
    await RecordingReader.open({
      cast: (await openFileSource(cast))!,
      index: await openFileSource(cast + INDEX_SUFFIX),
      screens: await openFileSource(cast + SCREENS_SUFFIX),
    }),
  );
  await replay.prepare();
  const seeks: number[] = [];
  for (let i = 0; i < 200; i++) {
    const target = Math.random() * replay.duration;
    const at = performance.now();
    await replay.seek(target);
    seeks.push(performance.now() - at);
  }
  const noKeyframe: number[] = [];
  for (let i = 0; i < 5; i++) {
    const fresh = await WholeFileReplay.open(cast);
    const at = performance.now();
    await fresh.advanceTo(replay.duration * (0.5 + i / 10));
    noKeyframe.push(performance.now() - at);
    fresh.dispose();
  }
  replay.dispose();
  await rm(dir, { recursive: true, force: true });
  await v.close();

  const result = {
    accounts: ACCOUNTS,
    firstFrameMs: stats(firstFrame),
    allViewMs: stats(allView),
    echoMs: stats(echo),
    searchMs: stats(search),
    bareInkEchoMs: stats(baseEcho),
    echoVsBareInk: stats(echo).p50 / stats(baseEcho).p50,
    replay: {
      durationS: 3600,
      castBytes,
      open: { wholeFile: openWhole, firstReplay: openFirst, indexed: openIndexed },
      seekMs: stats(seeks),
      noKeyframeSeekMs: stats(noKeyframe),
    },
  };
  const f = (x: number) => x.toFixed(1);
  console.log(`console with ${ACCOUNTS} accounts (2 rounds of warm starts after the first)`);
  console.log(
    `  first frame          p50 ${f(result.firstFrameMs.p50)} ms  max ${f(result.firstFrameMs.max)} ms   (goal 300 ms)`,
  );
  console.log(`  All view, full list  p50 ${f(result.allViewMs.p50)} ms  max ${f(result.allViewMs.max)} ms`);
  console.log(
    `  keystroke → echo     p50 ${f(result.echoMs.p50)} ms  p95 ${f(result.echoMs.p95)} ms   (goal 30 ms; bare Ink p50 ${f(result.bareInkEchoMs.p50)} ms, ratio ${result.echoVsBareInk.toFixed(2)})`,
  );
  console.log(`  keystroke → results  p50 ${f(result.searchMs.p50)} ms  p95 ${f(result.searchMs.p95)} ms`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const openLine = (name: string, o: OpenFigures) =>
    console.log(
      `  1-hour replay, open + seek to the middle, ${name}: ${o.ms} ms; read cast ${kb(o.read.cast)}, side index ${kb(o.read.index)}, screen index ${kb(o.read.screens)}; RSS +${o.rssDeltaMB} MB, heap +${o.heapDeltaMB} MB`,
    );
  console.log(`  1-hour recording: ${kb(castBytes)} of cast`);
  openLine('whole file (before)', openWhole);
  openLine('reader, first replay (draws the screen index)', openFirst);
  openLine('reader, screen index (after)', openIndexed);
  console.log(
    `  1-hour replay: seek p50 ${f(result.replay.seekMs.p50)} ms  p95 ${f(result.replay.seekMs.p95)} ms  max ${f(result.replay.seekMs.max)} ms (goal 100 ms; without keyframes p50 ${f(result.replay.noKeyframeSeekMs.p50)} ms)`,
  );
  console.log(JSON.stringify(result));
  const out = path.join(REPOSITORY_ROOT, 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(
    path.join(out, `console-${new Date().toISOString().slice(0, 10)}.json`),
    JSON.stringify(result, null, 2),
  );
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
