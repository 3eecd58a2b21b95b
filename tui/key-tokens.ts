/**
 * Splits what one read of the terminal delivered into keys, in order. Over a slow SSH link several
 * keys arrive in one read ("\t\t", "++", two arrows); Ink would hand a run of printable characters
 * to a screen as one input and several sequences to handlers that have not seen the previous key's
 * state yet. The console feeds Ink one key at a time instead (see `TerminalStreams`).
 *
 * A key is: one printable or control character (a code point), a CSI sequence (ESC [ … final byte,
 * including the legacy ESC [ [ A), an SS3 sequence (ESC O x), a lone ESC, or a meta key (ESC and
 * one character). A sequence cut off at the end of a read is kept and completed by the next read;
 * a lone ESC at the end of a read is the Esc key (a person's Esc is followed by a pause).
 */
export class KeyTokenizer {
  #pending = '';

  /** The keys of `chunk` (with what the previous read left unfinished), in order. */
  push(chunk: string): string[] {
    const input = this.#pending + chunk;
    this.#pending = '';
    const keys: string[] = [];
    let i = 0;
    while (i < input.length) {
      if (input[i] !== '\x1b') {
        const cp = input.codePointAt(i)!;
        const len = cp > 0xffff ? 2 : 1;
        keys.push(input.slice(i, i + len));
        i += len;
        continue;
      }
      const end = sequenceEnd(input, i);
      if (end === 'incomplete') {
        this.#pending = input.slice(i);
        break;
      }
      keys.push(input.slice(i, end));
      i = end;
    }
    return keys;
  }

  /** An unfinished sequence, if the last read ended inside one. */
  get pending(): string {
    return this.#pending;
  }

  /** Gives up waiting for the rest of an unfinished sequence: it is delivered as it is. */
  flush(): string[] {
    const p = this.#pending;
    this.#pending = '';
    return p ? [p] : [];
  }
}

const isFinal = (c: number) => c >= 0x40 && c <= 0x7e;
const isParamOrIntermediate = (c: number) => c >= 0x20 && c <= 0x3f;

/** Where the key starting with ESC at `i` ends (exclusive), or 'incomplete'. */
function sequenceEnd(input: string, i: number): number | 'incomplete' {
  const next = input[i + 1];
  // A lone ESC at the end of the read; ESC ESC is Esc, then whatever the second ESC starts.
  if (next === undefined || next === '\x1b') return i + 1;
  if (next === '[') {
    let j = i + 2;
    // Legacy function keys: ESC [ [ A.
    if (input[j] === '[') j++;
    for (; j < input.length; j++) {
      const c = input.charCodeAt(j);
      if (isParamOrIntermediate(c)) continue;
      if (isFinal(c)) return j + 1;
      // Not a sequence after all: ESC [ as a meta key, the rest as keys of their own.
      return i + 2;
    }
    return 'incomplete';
  }
  if (next === 'O') {
    if (i + 2 >= input.length) return 'incomplete';
    return isFinal(input.charCodeAt(i + 2)) ? i + 3 : i + 2;
  }
  // A meta key: ESC and one character (code point).
  const cp = input.codePointAt(i + 1)!;
  return i + 1 + (cp > 0xffff ? 2 : 1);
}

/** The keys of one complete read (a test and a benchmark helper). */
export function splitKeys(chunk: string): string[] {
  const t = new KeyTokenizer();
  return [...t.push(chunk), ...t.flush()];
}
