// The board's input and its refresh schedule, without a terminal: only quit and focus keys are
// recognised; reads happen on the tick, early after a commit (at most once a second), never two
// at once.
import { describe, expect, it } from 'vitest';
import { ManualTimers, type BoardSnapshot } from '../../core/index.ts';
import { boardKeys } from '../../wallboard/board-keys.ts';
import { BoardLoop, MIN_REFRESH_GAP_MS } from '../../wallboard/board-loop.ts';

const keys = (s: string) => boardKeys(Buffer.from(s, 'latin1'));

describe('board keys', () => {
  it('quit, next and previous; everything else is dropped', () => {
    expect(keys('q')).toEqual(['quit']);
    expect(keys('Q')).toEqual(['quit']);
    expect(keys('\x03')).toEqual(['quit']);
    expect(keys('\x1b')).toEqual(['quit']);
    expect(keys('\t')).toEqual(['next']);
    expect(keys('\x1b[Z')).toEqual(['previous']);
    // Arrows, function keys, Enter, letters, a bracketed paste: nothing.
    expect(keys('\x1b[A\x1b[B\x1bOP\x1b[15~\rtx y\x1b[200~rm -rf\x1b[201~')).toEqual([]);
    expect(keys('a\tb\x1b[Zq')).toEqual(['next', 'previous', 'quit']);
  });
});

function snapshot(n: number): BoardSnapshot {
  return {
    at: new Date(n).toISOString(),
    clustered: false,
    nodes: [],
    live: [],
    pending: [],
    expiring: [],
    startsPerMinute: [],
    overnight: { changed: 0, failed: 0, inSync: 0, outOfSync: 0, unreachable: 0 },
    disk: null,
    audit: [],
  };
}

/** Lets the loop's awaited read and its follow-up run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('board refresh loop', () => {
  function setup() {
    const timers = new ManualTimers();
    let reads = 0;
    let release: (() => void) | undefined;
    let hold = false;
    const drawn: string[] = [];
    const loop = new BoardLoop({
      timers,
      everyMs: 5_000,
      read: async () => {
        reads++;
        if (hold) await new Promise<void>((r) => (release = r));
        return snapshot(timers.now().getTime());
      },
      draw: (s) => drawn.push(s.at),
      failed: () => undefined,
    });
    return {
      timers,
      loop,
      drawn,
      reads: () => reads,
      hold: (on: boolean) => (hold = on),
      release: () => release?.(),
    };
  }

  it('reads on every tick', async () => {
    const t = setup();
    await t.loop.start();
    expect(t.reads()).toBe(1);
    t.timers.advance(4_999);
    await settle();
    expect(t.reads()).toBe(1);
    t.timers.advance(1);
    await settle();
    expect(t.reads()).toBe(2);
    expect(t.drawn).toHaveLength(2);
    t.loop.stop();
    expect(t.timers.pending).toBe(0);
  });

  it('a commit refreshes early, but not sooner than the minimum gap after the last read', async () => {
    const t = setup();
    await t.loop.start();
    t.timers.advance(200);
    t.loop.poke();
    t.loop.poke();
    t.timers.advance(MIN_REFRESH_GAP_MS - 201);
    await settle();
    expect(t.reads()).toBe(1);
    t.timers.advance(1);
    await settle();
    expect(t.reads()).toBe(2);
    // Long after the last read, a poke reads at once.
    t.timers.advance(3_000);
    t.loop.poke();
    t.timers.advance(0);
    await settle();
    expect(t.reads()).toBe(3);
    t.loop.stop();
  });

  it('never reads twice at once: a poke during a slow read is one read after it', async () => {
    const t = setup();
    await t.loop.start();
    t.hold(true);
    t.timers.advance(5_000);
    await settle();
    expect(t.reads()).toBe(2);
    t.loop.poke();
    t.timers.advance(5_000);
    await settle();
    expect(t.reads()).toBe(2);
    t.hold(false);
    t.release();
    await settle();
    await settle();
    t.timers.advance(MIN_REFRESH_GAP_MS);
    await settle();
    expect(t.reads()).toBe(3);
    t.loop.stop();
  });
});
