// The three terminal models a session's output goes through (the live screen for late joiners,
// the search index's screen tap, the replay terminal) parse whatever a target sends. xterm.js's
// default log level prints every malformed sequence, with the parser state around it, to the
// console: a target could flood the node's stderr and put session content in its logs. This feeds
// each model bytes xterm cannot parse and checks nothing reached the console.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { ReplayTerminal } from '../../core/recording/replay-terminal.ts';
import { ScreenTap } from '../../core/recording/search/screen-tap.ts';
import { HeadlessScreen } from '../../gateway/mux/screen.ts';

// Bytes of every value, as a binary file cat'ed to a terminal sends them: C1 controls open
// control sequences that the bytes after them break (mulberry32, seeded, so a failure repeats).
const garbage = (): string => {
  let seed = 7;
  let s = '';
  for (let i = 0; i < 50_000; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    s += String.fromCharCode(((x ^ (x >>> 14)) >>> 0) % 256);
  }
  return s;
};

const calls: unknown[][] = [];
beforeEach(() => {
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void calls.push(a));
});
afterEach(() => {
  vi.restoreAllMocks();
  calls.length = 0;
});

it('the live screen, the screen tap and the replay terminal write nothing to the console on garbage', async () => {
  const text = garbage();
  const screen = new HeadlessScreen(80, 24);
  screen.write(text);
  const tap = new ScreenTap(80, 24, () => {});
  tap.write(text, 0);
  await tap.drawn();
  const replay = new ReplayTerminal(80, 24);
  await replay.write(text);
  // The live screen parses asynchronously too: its backlog is empty once all of it is parsed.
  await vi.waitFor(() => expect(screen.backlog()).toBe(0));
  screen.dispose();
  tap.dispose();
  expect(calls).toEqual([]);
});
