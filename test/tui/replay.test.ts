// Replay: the keyframed engine against straight playback (same screen at every time asked), and
// the recordings screen + player in the console with the player's clock moved by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS, ManualClock, type Actor } from '../../core/index.ts';
import { Replay } from '../../tui/player/replay.ts';
import { KEYS, manualTimers, openConsole } from '../support/console-harness.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

function syntheticCast(seconds: number): string {
  const lines = [JSON.stringify({ version: 2, width: 40, height: 8 })];
  for (let t = 0; t <= seconds; t += 0.7) {
    // Cursor moves, clears and colours: the screen depends on what came before.
    const step = Math.round(t * 10);
    const out =
      step % 53 === 0
        ? `\x1b[2J\x1b[Hcleared at ${t.toFixed(1)}\r\n`
        : `\x1b[3${step % 8}mtick ${step}\x1b[0m ${'.'.repeat(step % 30)}\r\n`;
    lines.push(JSON.stringify([Number(t.toFixed(3)), 'o', out]));
    if (step % 97 === 0) lines.push(JSON.stringify([Number(t.toFixed(3)), 'r', step % 2 ? '40x8' : '30x6']));
    if (step % 11 === 0) lines.push(JSON.stringify([Number(t.toFixed(3)), 'i', 'typed']));
  }
  return lines.join('\n') + '\n';
}

describe('replay engine', () => {
  it('a keyframed seek shows exactly the screen straight playback shows, forwards and backwards', async () => {
    const text = syntheticCast(120);
    const keyed = await Replay.parse(text);
    await keyed.prepare();
    for (const t of [77.3, 3.1, 119.9, 60, 0.2, 45.5, 45.6, 12]) {
      const straight = await Replay.parse(text);
      await straight.advanceTo(t);
      await keyed.seek(t);
      expect({ t, lines: keyed.lines() }).toEqual({ t, lines: straight.lines() });
      straight.dispose();
    }
    keyed.dispose();
  });

  it('a cast claiming a 65535×65535 terminal replays within the maximum terminal size', async () => {
    const text = [
      JSON.stringify({ version: 2, width: 65535, height: 65535 }),
      JSON.stringify([0.1, 'o', 'hello\r\n']),
      JSON.stringify([0.2, 'r', '4294967295x4294967295']),
      JSON.stringify([0.3, 'o', 'world\r\n']),
    ].join('\n');
    const r = await Replay.parse(text);
    expect([r.initialCols, r.initialRows]).toEqual([MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS]);
    await r.prepare();
    await r.seek(1);
    expect([r.cols, r.rows]).toEqual([MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS]);
    r.dispose();
  });

  it('knows its length and where the next output is (for skipping idle time)', async () => {
    const r = await Replay.parse(
      [
        JSON.stringify({ version: 2, width: 20, height: 3 }),
        '[0.5,"o","a"]',
        '[0.9,"i","x"]',
        '[40,"o","b"]',
        '[41,"o","c',
      ].join('\n'),
    );
    expect(r.duration).toBe(40);
    expect(await r.nextEventAfter(0.5)).toBe(40);
    r.dispose();
  });
});

describe('console: recordings and player', () => {
  let v: TestVault;
  let auditor: Actor;
  const clock = new ManualClock('2026-11-20T10:00:00Z');

  beforeAll(async () => {
    v = await createTestVault({ clock });
    auditor = await v.addUser('audrey', 'auditor');
    const w = await v.core.recordings.open(
      {
        sessionId: 's-1',
        user: 'alice',
        target: 'web01/root',
        protocol: 'ssh',
        cols: 60,
        rows: 10,
        source: 'test',
        startedAt: clock.now(),
      },
      'strict',
    );
    w.output(Buffer.from('$ echo FIRST\r\nFIRST\r\n'));
    clock.advance(5_000);
    w.marker('change window opens');
    clock.advance(10_000);
    w.output(Buffer.from('$ echo SECOND\r\nSECOND\r\n'));
    clock.advance(70_000);
    w.output(Buffer.from('\x1b[2J\x1b[H$ echo THIRD\r\nTHIRD\r\n'));
    await w.close();
    const w2 = await v.core.recordings.open(
      {
        sessionId: 's-2',
        user: 'bob',
        target: 'db01/dba',
        protocol: 'telnet',
        cols: 60,
        rows: 10,
        source: 'test',
        startedAt: clock.now(),
      },
      'strict',
    );
    w2.output(Buffer.from('login: bob\r\n'));
    await w2.close();
  });
  afterAll(async () => v.close());

  it('filters recordings, replays with play/pause, speed, ±10 s / ±1 min seeks and skip idle', async () => {
    const timers = manualTimers();
    const c = await openConsole(v.core, auditor, { cols: 100, rows: 24, options: { timers } });
    try {
      await c.waitFor('Custody · audrey (auditor)');
      await c.press(KEYS.tab, KEYS.tab);
      await c.waitFor('2 recordings');
      // Typed straight after '/', with no pause for the prompt to open: no key may be lost.
      await c.press('/', ...'user:alice', KEYS.enter);
      const list = await c.waitFor('1 recording matching "user:alice"');
      expect(list).toMatch(/› .*alice\s+web01\/root\s+ssh\s+complete/);
      await c.press(KEYS.enter);
      await c.waitFor(/▶ 0:00 \/ 1:25/);
      expect(c.frame()).toContain('FIRST');
      expect(c.frame()).not.toContain('SECOND');
      // Skip idle is on: the 15 s pause is cut to 1 s of playback.
      let ticks = 0;
      while (!c.frame().includes('SECOND') && ticks < 80) {
        timers.advance(100);
        ticks++;
        await new Promise((r) => setTimeout(r, 15));
      }
      expect(c.frame()).toContain('SECOND');
      // No search index behind this recording: the marker shows once playback has passed it.
      expect(c.frame()).toMatch(/◆ change window opens/);
      // Without skipping idle the 15 s pause alone would take 150 ticks of 100 ms.
      expect(ticks).toBeLessThan(60);
      await c.press(' ');
      await c.waitFor('❚❚');
      await c.press('+', '+');
      await c.waitFor('4×');
      await c.press('-', '-', '-');
      await c.waitFor('0.5×');
      await c.press(KEYS.up);
      const later = await c.waitFor(/❚❚ 1:1\d \/ 1:25.*seek \d+ ms/);
      expect(later).toContain('SECOND');
      await c.press(KEYS.right);
      const end = await c.waitFor(/❚❚ 1:25 \/ 1:25/);
      expect(end).toContain('THIRD');
      expect(end).not.toContain('FIRST');
      await c.press(KEYS.down, KEYS.down);
      const start = await c.waitFor(/❚❚ 0:00 \/ 1:25/);
      expect(start).toContain('FIRST');
      expect(start).not.toContain('THIRD');
      await c.press(KEYS.escape);
      await c.waitFor('1 recording matching');
      // Replaying is an audited read of the recording.
      const rows = await v.core.audit.query(v.host, { type: 'recording.export', actor: 'audrey', limit: 5 });
      expect(rows).toHaveLength(1);
    } finally {
      await c.close();
    }
  });
});
