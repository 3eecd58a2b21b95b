// The console patches Ink (patches/ink+6.8.0.patch) so a frame reuses the rows and the text
// measurements of earlier frames instead of rebuilding all 3,000 cells of a 100×30 screen for a
// one-character change. A reused row must be exactly the row the same writes would draw afresh:
// the same text at another column, in another width, clipped differently or coloured differently
// is another row.
import { Box, Text, renderToString } from 'ink';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { importWithoutCi } from '../../tui/ink-loader.ts';

const h = React.createElement;

describe('Ink frames drawn from earlier frames', () => {
  it('is the patched Ink', async () => {
    const { readFile } = await import('node:fs/promises');
    const source = await readFile(new URL('../../node_modules/ink/build/output.js', import.meta.url), 'utf8');
    expect(source).toContain('Custody patch');
  });

  it('draws a row again only as the same writes would draw it', async () => {
    const { chalk } = await importWithoutCi(async () => ({ chalk: (await import('chalk')).default }));
    const draw = (node: React.ReactElement, columns = 20) => renderToString(node, { columns });
    const row = (text: string, left = 0, width = 20) =>
      h(Box, { paddingLeft: left, width, overflow: 'hidden' }, h(Text, { wrap: 'truncate-end' }, text));

    const first = draw(row('web01/root'));
    expect(first).toBe('web01/root');
    // The same text two columns to the right.
    expect(draw(row('web01/root', 2))).toBe('  web01/root');
    // The same text clipped by a narrower box, then by a wider one.
    const clipped = (width: number) =>
      h(Box, { width, overflow: 'hidden' }, h(Box, { width: 8, flexShrink: 0 }, h(Text, null, 'abcdefgh')));
    expect(draw(clipped(4))).toBe('abcd');
    expect(draw(clipped(6))).toBe('abcdef');
    // Wide characters take two cells; the row after them starts where they end.
    expect(draw(h(Box, null, h(Text, null, '名前'), h(Text, null, 'x')))).toBe('名前x');
    // A colour is part of the row.
    const plain = draw(h(Text, null, 'status'));
    const red = draw(h(Text, { color: 'red' }, 'status'));
    expect(plain).toBe('status');
    expect(red).toBe(chalk.red('status'));
    // Two rows of one frame, then the first frame again: the same as when it was drawn first.
    expect(draw(h(Box, { flexDirection: 'column' }, h(Text, null, 'web01/root'), h(Text, null, 'x')))).toBe(
      'web01/root\nx',
    );
    expect(draw(row('web01/root'))).toBe(first);
  });
});
