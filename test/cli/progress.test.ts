// The CLI's progress lines (not a terminal): the percentage is how far the work is, and a count
// of one is said in the singular.
import { describe, expect, it } from 'vitest';
import type { Output } from '../../cli/output.ts';
import { progressOf } from '../../cli/progress.ts';
import { plural } from '../../core/plural.ts';

describe('progress and plurals', () => {
  it('1 of 7 is 14%, one line per tenth, and 1 account is singular', () => {
    const lines: string[] = [];
    const out = { note: (l: string) => lines.push(l) } as unknown as Output;
    const tty = process.stderr.isTTY;
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    try {
      const p = progressOf(out, false, 'verifying', 'accounts');
      for (let i = 0; i <= 7; i++) p.update(i, 7);
      const one = progressOf(out, false, 'rotating', 'accounts');
      one.update(1, 1);
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
    }
    expect(lines).toContain('verifying: 1/7 accounts (14%)');
    expect(lines).toContain('verifying: 7/7 accounts (100%)');
    expect(lines).toContain('rotating: 1/1 account (100%)');
    expect(lines.filter((l) => l.startsWith('verifying'))).toHaveLength(8);
    expect([plural(0, 'event'), plural(1, 'event'), plural(2, 'event')]).toEqual([
      '0 events',
      '1 event',
      '2 events',
    ]);
  });
});
