// Keys that arrive in one read (a slow SSH link coalesces what was typed quickly) are each handled,
// in order, on every screen: the tokenizer, then the console in a headless terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { KeyTokenizer, splitKeys } from '../../tui/key-tokens.ts';
import { KEYS, manualTimers, openConsole } from '../support/console-harness.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

describe('key tokenizer', () => {
  it('splits a read into printable characters, CSI and SS3 sequences, Esc and meta keys', () => {
    expect(splitKeys('\t\t')).toEqual(['\t', '\t']);
    expect(splitKeys('++-')).toEqual(['+', '+', '-']);
    expect(splitKeys('\x1b[C\x1b[C\x1b[6~\x1b[Z')).toEqual(['\x1b[C', '\x1b[C', '\x1b[6~', '\x1b[Z']);
    expect(splitKeys('\x1bOA\x1b[[A\x1b[1;5D')).toEqual(['\x1bOA', '\x1b[[A', '\x1b[1;5D']);
    expect(splitKeys('ab\x1b\x1b[Bx\x1b')).toEqual(['a', 'b', '\x1b', '\x1b[B', 'x', '\x1b']);
    expect(splitKeys('\x1bx\r\x7f')).toEqual(['\x1bx', '\r', '\x7f']);
    expect(splitKeys('é😀')).toEqual(['é', '😀']);
  });

  it('completes a sequence cut off at the end of a read with the next read', () => {
    const t = new KeyTokenizer();
    expect(t.push('a\x1b[')).toEqual(['a']);
    expect(t.pending).toBe('\x1b[');
    expect(t.push('Cb')).toEqual(['\x1b[C', 'b']);
    expect(t.push('\x1bO')).toEqual([]);
    expect(t.flush()).toEqual(['\x1bO']);
  });
});

describe('console: several keys in one read', () => {
  let v: TestVault;
  const clock = new ManualClock('2026-11-20T10:00:00Z');

  beforeAll(async () => {
    v = await createTestVault({ clock });
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
    for (const a of ['alpha', 'bravo', 'charlie', 'delta'])
      await v.core.accounts.add(v.host, 'web01', a, pw('Zq8!coalesced-Keys42'));
    const w = await v.core.recordings.open(
      {
        sessionId: 's-1',
        user: 'alice',
        target: 'web01/alpha',
        protocol: 'ssh',
        cols: 60,
        rows: 10,
        source: 'test',
        startedAt: clock.now(),
      },
      'strict',
    );
    w.output(Buffer.from('$ echo FIRST\r\nFIRST\r\n'));
    clock.advance(15_000);
    w.output(Buffer.from('$ echo SECOND\r\nSECOND\r\n'));
    clock.advance(20_000);
    w.output(Buffer.from('$ echo THIRD\r\nTHIRD\r\n'));
    clock.advance(30_000);
    w.output(Buffer.from('$ echo FOURTH\r\nFOURTH\r\n'));
    await w.close();
  });
  afterAll(async () => v.close());

  it('Tab Tab moves two screens, Shift-Tab twice moves back two, on every screen', async () => {
    const c = await openConsole(v.core, v.host, { cols: 120, rows: 24 });
    try {
      await c.waitFor('Search:');
      await c.send(KEYS.tab, KEYS.tab);
      await c.waitFor('No live sessions.');
      await c.send(KEYS.tab, KEYS.tab);
      await c.waitFor(/\d+ events · \/ filter/);
      await c.send(KEYS.tab, KEYS.tab);
      // Admin, then round to Passwords.
      await c.waitFor('Search:');
      await c.send(KEYS.shiftTab, KEYS.shiftTab);
      await c.waitFor(/\d+ events · \/ filter/);
      await c.send(KEYS.shiftTab, KEYS.shiftTab, KEYS.shiftTab, KEYS.shiftTab);
      await c.waitFor('Search:');
      await c.send(KEYS.tab, KEYS.tab, KEYS.tab);
      await c.waitFor(/\d+ recordings? · \/ filter/);
    } finally {
      await c.close();
    }
  });

  it('typed text and arrows in one read: every character searched, every arrow moved', async () => {
    const c = await openConsole(v.core, v.host, { cols: 100, rows: 24 });
    try {
      await c.showAll();
      await c.waitFor('All · 4 accounts');
      await c.send(...'web01/', KEYS.down, KEYS.down);
      const f = await c.waitFor('Search: web01/');
      await c.waitFor('› web01/charlie');
      expect(f).not.toContain('Search: w ');
      await c.send(KEYS.escape);
      await c.waitFor('All · 4 accounts');
      // Letters then Esc at the end of the read: the search is typed, then cleared.
      await c.send(...'char', KEYS.escape);
      await c.waitFor('All · 4 accounts');
      // The typed text is drawn first; the answer of the search follows in a later frame.
      await c.send(...'delt');
      await c.waitFor(/Search: delt[\s\S]*All · 1 account[\s\S]*› web01\/delta/);
    } finally {
      await c.close();
    }
  });

  it('the player takes ++ as two speed steps and two seeks in one read as two seeks', async () => {
    const timers = manualTimers();
    const c = await openConsole(v.core, v.host, { cols: 100, rows: 24, options: { timers } });
    try {
      await c.waitFor('Search:');
      await c.send(KEYS.tab, KEYS.tab, KEYS.tab);
      await c.waitFor('1 recording');
      await c.send(KEYS.enter);
      await c.waitFor(/▶ 0:00 \/ 1:05/);
      await c.send(' ', '+', '+');
      await c.waitFor(/❚❚ 0:00 \/ 1:05\s+4×/);
      await c.send('-', '-', '-');
      await c.waitFor(/❚❚ 0:00 \/ 1:05\s+0.5×/);
      await c.send(KEYS.right, KEYS.right);
      const at20 = await c.waitFor(/❚❚ 0:20 \/ 1:05/);
      // The recorded text once, in order: not written into the player's screen twice.
      expect(at20.match(/^FIRST$/gm)).toHaveLength(1);
      expect(at20.match(/^SECOND$/gm)).toHaveLength(1);
      expect(at20).not.toContain('THIRD');
      await c.send(KEYS.right, KEYS.right, KEYS.right, KEYS.left);
      const at40 = await c.waitFor(/❚❚ 0:40 \/ 1:05/);
      expect(at40.match(/^THIRD$/gm)).toHaveLength(1);
      expect(at40.match(/^FIRST$/gm)).toHaveLength(1);
      await c.send(KEYS.up, KEYS.down, KEYS.down);
      const at0 = await c.waitFor(/❚❚ 0:00 \/ 1:05/);
      expect(at0).not.toContain('SECOND');
    } finally {
      await c.close();
    }
  });
});
