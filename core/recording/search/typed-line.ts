/**
 * The line an operator is typing at a prompt, rebuilt from the keys sent to the target: printable
 * text inserted at the cursor, and the editing keys a shell's line editor (readline, zle, a
 * switch's CLI) gives the same meaning everywhere — Backspace, Ctrl-U, Ctrl-W, Ctrl-C, left and
 * right arrows, Home and End, Delete. Keys whose effect only the target knows (Tab completion,
 * history with the up and down arrows, Ctrl-R) make the line `uncertain`: the caller then reads
 * the command off the screen instead.
 */

export interface TypedCommand {
  text: string;
  /** The keys alone do not say what the line holds (completion or history was used). */
  uncertain: boolean;
}

/** A typed line longer than this is not a command worth indexing whole (a paste of a file). */
export const MAX_TYPED_LINE = 2000;

export class TypedLine {
  #chars: string[] = [];
  #cursor = 0;
  #uncertain = false;
  /** Bytes of an escape sequence split across chunks. */
  #escape = '';

  /** Feeds operator input; returns the lines ended by Enter in it, in order. */
  feed(data: string): TypedCommand[] {
    const done: TypedCommand[] = [];
    let s = this.#escape + data;
    this.#escape = '';
    while (s.length > 0) {
      if (s[0] === '\x1b') {
        const seq = /^(\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(s.slice(1));
        if (!seq) {
          // An escape sequence cut short by the chunk boundary waits for the rest.
          if (s.length < 8 && /^(\[[0-9;]*|O)?$/.test(s.slice(1))) {
            this.#escape = s;
            break;
          }
          // Meta-key editing (ESC b, ESC d, …): the line changed in a way only the target knows.
          this.#uncertain = true;
          s = s.slice(s[1] === '[' || s[1] === 'O' ? 1 : 2);
          continue;
        }
        this.#key(seq[1]!);
        s = s.slice(1 + seq[0].length);
        continue;
      }
      const ch = String.fromCodePoint(s.codePointAt(0)!);
      s = s.slice(ch.length);
      if (ch === '\r' || ch === '\n') {
        // CR LF from a client that sends both ends one line, not two.
        if (ch === '\n' && this.#justEnded) {
          this.#justEnded = false;
          continue;
        }
        done.push({ text: this.#chars.join('').trim(), uncertain: this.#uncertain });
        this.#reset();
        this.#justEnded = ch === '\r';
        continue;
      }
      this.#justEnded = false;
      this.#control(ch);
    }
    return done;
  }

  #justEnded = false;

  #reset(): void {
    this.#chars = [];
    this.#cursor = 0;
    this.#uncertain = false;
  }

  #control(ch: string): void {
    switch (ch) {
      case '\x7f':
      case '\b':
        if (this.#cursor > 0) this.#chars.splice(--this.#cursor, 1);
        return;
      case '\x15': // Ctrl-U: kill to the start of the line
        this.#chars.splice(0, this.#cursor);
        this.#cursor = 0;
        return;
      case '\x17': {
        // Ctrl-W: the word before the cursor, and the blanks after it
        let i = this.#cursor;
        while (i > 0 && this.#chars[i - 1] === ' ') i--;
        while (i > 0 && this.#chars[i - 1] !== ' ') i--;
        this.#chars.splice(i, this.#cursor - i);
        this.#cursor = i;
        return;
      }
      case '\x03': // Ctrl-C abandons the line
        this.#reset();
        return;
      case '\x01': // Ctrl-A
        this.#cursor = 0;
        return;
      case '\x05': // Ctrl-E
        this.#cursor = this.#chars.length;
        return;
      case '\x0b': // Ctrl-K: kill to the end
        this.#chars.splice(this.#cursor);
        return;
      case '\t':
      case '\x12': // Ctrl-R
        this.#uncertain = true;
        return;
    }
    if (ch < ' ') return; // other control keys change nothing we can follow
    if (this.#chars.length >= MAX_TYPED_LINE) {
      this.#uncertain = true;
      return;
    }
    this.#chars.splice(this.#cursor++, 0, ch);
  }

  /** A CSI or SS3 key (`[D`, `OH`, `[3~`, …). */
  #key(seq: string): void {
    const final = seq.at(-1);
    if (final === 'D') this.#cursor = Math.max(0, this.#cursor - 1);
    else if (final === 'C') this.#cursor = Math.min(this.#chars.length, this.#cursor + 1);
    else if (final === 'H' || seq === '[1~' || seq === '[7~') this.#cursor = 0;
    else if (final === 'F' || seq === '[4~' || seq === '[8~') this.#cursor = this.#chars.length;
    else if (seq === '[3~') this.#chars.splice(this.#cursor, 1);
    else if (final === 'A' || final === 'B') this.#uncertain = true;
    // Anything else (function keys, a bracketed-paste bracket) leaves the line as it is.
  }
}
