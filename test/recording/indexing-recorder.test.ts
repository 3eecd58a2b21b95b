// The indexing recorder on its own, with a sink in memory: a program that redraws in place (no
// line feeds) is indexed from the screen; nothing typed or shown while the gateway types a
// credential (suspended) reaches the index; everything still reaches the wrapped recorder.
import { describe, expect, it } from 'vitest';
import {
  ManualTimers,
  discardRecorder,
  withSearchIndex,
  type IndexedLine,
  type TerminalRecorder,
} from '../../core/index.ts';

function recorderWithId(): TerminalRecorder & { got: string[] } {
  const got: string[] = [];
  return {
    ...discardRecorder(),
    id: 'rec-1',
    got,
    output: (d) => void got.push(`o:${String(d)}`),
    input: (d) => void got.push(`i:${String(d)}`),
    marker: (l) => void got.push(`m:${l}`),
  };
}

describe('indexing recorder', () => {
  it('indexes a full-screen redraw from the screen, and nothing while suspended', async () => {
    const timers = new ManualTimers('2026-05-01T00:00:00Z');
    const lines: IndexedLine[] = [];
    const inner = recorderWithId();
    const rec = withSearchIndex(inner, {
      timers,
      logger: { log: () => undefined },
      sink: async (batch) => void lines.push(...batch),
      cols: 40,
      rows: 10,
    });
    rec.suspend();
    rec.output(Buffer.from('Password: '));
    rec.input(Buffer.from('Secret-Typed-While-Suspended\r'));
    rec.output(Buffer.from('Secret-Echo-While-Suspended\r\n'));
    rec.resume();
    timers.advance(3000);
    // Cursor addressing only: a `top`-like screen, never a line feed.
    rec.output(Buffer.from('\x1b[2J\x1b[H\x1b[3;5HLOAD-AVERAGE 0.42\x1b[5;5HPID 4242 nginx'));
    timers.advance(3000);
    rec.output(Buffer.from('\x1b[7;5Hrefreshed'));
    await rec.close();
    const text = lines.map((l) => `${l.kind}@${l.atMs}:${l.line}`);
    expect(text).toContain('screen@3000:LOAD-AVERAGE 0.42');
    expect(text).toContain('screen@3000:PID 4242 nginx');
    expect(text.join('\n')).not.toMatch(/Suspended/);
    // Each line once, though the screen was read more than once.
    expect(text.filter((t) => t.includes('LOAD-AVERAGE'))).toHaveLength(1);
    expect(inner.got.filter((g) => g.startsWith('o:'))).toHaveLength(4);
  });
});

describe('indexing recorder for a command without a shell', () => {
  it('indexes and marks the command, and draws none of its output', async () => {
    const timers = new ManualTimers('2026-05-01T00:00:00Z');
    const lines: IndexedLine[] = [];
    const inner = recorderWithId();
    const rec = withSearchIndex(inner, {
      timers,
      logger: { log: () => undefined },
      sink: async (batch) => void lines.push(...batch),
      cols: 80,
      rows: 24,
      command: 'head -c 32 /dev/urandom',
    });
    timers.advance(500);
    rec.output(Buffer.from([0xff, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x41, 0x42, 0x0d, 0x0a]));
    await rec.close();
    expect(lines.map((l) => `${l.kind}@${l.atMs}:${l.line}`)).toEqual(['command@0:head -c 32 /dev/urandom']);
    expect(inner.got[0]).toBe('m:command: head -c 32 /dev/urandom');
  });
});
