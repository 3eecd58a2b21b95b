/**
 * The only keys the board answers: quit (q, Q, Ctrl-C, Esc on its own) and moving the focus
 * between panels (Tab, Shift-Tab). Anything else a client sends is dropped here, before any
 * widget could see it.
 */
export type BoardKey = 'quit' | 'next' | 'previous';

export function boardKeys(chunk: Buffer): BoardKey[] {
  const text = chunk.toString('latin1');
  const out: BoardKey[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\x1b') {
      // Shift-Tab is CSI Z; any other escape sequence is skipped whole (an arrow, a function key).
      if (text.startsWith('\x1b[Z', i)) {
        out.push('previous');
        i += 2;
        continue;
      }
      if (i === text.length - 1) {
        out.push('quit');
        continue;
      }
      i += escapeLength(text.slice(i + 1));
      continue;
    }
    if (c === 'q' || c === 'Q' || c === '\x03') out.push('quit');
    else if (c === '\t') out.push('next');
  }
  return out;
}

/** Characters after ESC that belong to its sequence: CSI parameters and final byte, SS3 + one, or one. */
function escapeLength(rest: string): number {
  if (rest[0] === 'O') return Math.min(2, rest.length);
  if (rest[0] !== '[') return 1;
  let n = 1;
  while (n < rest.length && /[0-9;?]/.test(rest[n]!)) n++;
  while (n < rest.length && /[ -/]/.test(rest[n]!)) n++;
  return Math.min(n + 1, rest.length);
}
