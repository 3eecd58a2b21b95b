// The writer's text between flushes lives in shared Buffers: each run handed over must hold
// exactly the lines appended since the last one, and must not change when more lines follow
// (a flush may still be encrypting it), across Buffers that fill up and grow.
import { describe, expect, it } from 'vitest';
import { TextRuns } from '../../core/recording/text-runs.ts';

describe('text runs', () => {
  it('hands over exactly the lines since the last run, unchanged by what is appended later', () => {
    const runs = new TextRuns();
    const taken: { run: Buffer; copy: string; want: string }[] = [];
    let want = '';
    for (let i = 0; i < 3000; i++) {
      // Lines of every size, multi-byte characters included, some longer than any Buffer.
      const body = i % 997 === 0 ? 'x'.repeat(300_000) : `é€😀 line ${i} `.repeat((i * 7) % 50);
      const n = runs.append(`[${i}, "o", `, JSON.stringify(body), ']\n');
      const line = `[${i}, "o", ${JSON.stringify(body)}]\n`;
      expect(n).toBe(Buffer.byteLength(line));
      want += line;
      if (i % 13 === 0) {
        const run = runs.take()!;
        taken.push({ run, copy: run.toString('utf8'), want });
        want = '';
      }
    }
    expect(runs.take()!.toString('utf8')).toBe(want);
    expect(runs.take()).toBeUndefined();
    for (const t of taken) {
      expect(t.copy).toBe(t.want);
      expect(t.run.toString('utf8')).toBe(t.copy);
    }
  });

  it('drops the open run when cleared', () => {
    const runs = new TextRuns();
    runs.append('kept\n');
    expect(runs.take()!.toString()).toBe('kept\n');
    runs.append('dropped\n');
    runs.clear();
    expect(runs.take()).toBeUndefined();
    runs.append('next\n');
    expect(runs.take()!.toString()).toBe('next\n');
  });
});
