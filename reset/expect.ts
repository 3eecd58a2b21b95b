// A small expect engine for prompt-driven resets (Telnet, su over an SSH pty, network devices):
// text arrives with `push`, `expect` waits until one of the named patterns matches what has been
// shown since the last match. It never throws: the caller decides what a timeout or a closed
// connection means at that step (before login: unreachable; after the change was sent: unknown).
import type { Secret } from '../core/index.ts';

export type Outcome<K extends string> = { key: K | 'timeout' | 'closed'; before: string };

/** Keeps at most this much unmatched output (a chatty banner must not grow memory). */
const MAX_BUFFER = 64 * 1024;

export class Expect {
  #buf = '';
  #closed = false;
  #wake: (() => void) | undefined;

  /** Output received so far and not yet consumed by a match. */
  get pending(): string {
    return this.#buf;
  }

  push(text: string): void {
    this.#buf += text.replace(/\0/g, '');
    if (this.#buf.length > MAX_BUFFER) this.#buf = this.#buf.slice(-MAX_BUFFER / 2);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** Patterns are tried in the order given; the first that matches wins and the output up to it is consumed. */
  async expect<K extends string>(patterns: Record<K, RegExp>, timeoutMs: number): Promise<Outcome<K>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const [key, re] of Object.entries(patterns) as [K, RegExp][]) {
        const m = re.exec(this.#buf);
        if (m) {
          const end = m.index + m[0].length;
          const before = this.#buf.slice(0, end);
          this.#buf = this.#buf.slice(end);
          return { key, before };
        }
      }
      if (this.#closed) return { key: 'closed', before: this.#buf };
      const left = deadline - Date.now();
      if (left <= 0) return { key: 'timeout', before: this.#buf };
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }
}

/** The last non-empty line of device output, with every secret masked (for one-line errors). */
export function lastLine(text: string, secrets: Secret[]): string {
  const lines = text.split(/[\r\n]+/).filter((l) => l.trim());
  return scrub((lines[lines.length - 1] ?? '').trim(), secrets).slice(0, 160);
}

/** Masks secret values in text that may reach an error message (a device may echo a command). */
export function scrub(text: string, secrets: Secret[]): string {
  let out = text;
  for (const s of secrets) {
    const v = s.reveal();
    if (v.length >= 3) out = out.split(v).join('<secret>');
  }
  return out;
}
