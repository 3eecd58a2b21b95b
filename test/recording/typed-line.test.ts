// The line typed at a prompt, rebuilt from the keys: editing keys applied, completion and history
// flagged as uncertain (the indexer then reads the screen), escape sequences split across reads.
import { describe, expect, it } from 'vitest';
import { TypedLine } from '../../core/index.ts';

const typed = (...chunks: string[]) => {
  const t = new TypedLine();
  return chunks.flatMap((c) => t.feed(c));
};

describe('typed line', () => {
  it('applies Backspace, Ctrl-U, Ctrl-W, Ctrl-C and cursor moves', () => {
    expect(typed('lx\x7fs -la\r')).toEqual([{ text: 'ls -la', uncertain: false }]);
    expect(typed('rm -rf /\x15echo hi\r')).toEqual([{ text: 'echo hi', uncertain: false }]);
    expect(typed('git push origin\x17main\r')).toEqual([{ text: 'git push main', uncertain: false }]);
    expect(typed('reboot\x03uptime\r')).toEqual([{ text: 'uptime', uncertain: false }]);
    // "cat fle", two lefts, insert "i", End, then " -n".
    expect(typed('cat fle\x1b[D\x1b[Di\x1b[F -n\r')).toEqual([{ text: 'cat file -n', uncertain: false }]);
    expect(typed('xls\x01\x1b[3~\r')).toEqual([{ text: 'ls', uncertain: false }]);
  });

  it('flags completion and history, keeps a key split across reads, and reads CR LF as one Enter', () => {
    expect(typed('cd /va\t\r')).toEqual([{ text: 'cd /va', uncertain: true }]);
    expect(typed('\x1b[A\r')).toEqual([{ text: '', uncertain: true }]);
    expect(typed('ab\x1b', '[D', 'X\r\n', 'pwd\r')).toEqual([
      { text: 'aXb', uncertain: false },
      { text: 'pwd', uncertain: false },
    ]);
  });
});
