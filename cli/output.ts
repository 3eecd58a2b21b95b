import { CustodyError, firstLine, printable } from '../core/index.ts';

/** Longest table cell or error message shown; longer text is cut with '…'. */
const MAX_CELL = 512;
const MAX_ERROR = 4000;

/**
 * JSON.stringify escapes C0 controls but leaves C1 controls, DEL and bidi/invisible formatting
 * characters raw, and a terminal may act on them: written as \uXXXX they stay in the data
 * (a parser reads the same string) without reaching the reader's terminal.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Human text by default, JSON with --json (CLI contract). */
export class Output {
  constructor(private readonly json: boolean) {}

  /** Prints `data` as JSON, or the human lines `text` builds from it. */
  result<T>(data: T, text: (d: T) => string | string[]): void {
    if (this.json) {
      process.stdout.write(terminalSafeJson(data, 2) + '\n');
      return;
    }
    const t = text(data);
    const lines = Array.isArray(t) ? t : [t];
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  }

  /** Status chatter that is not the result: to stderr, so stdout stays machine-readable. */
  note(line: string): void {
    if (!this.json) process.stderr.write(line + '\n');
  }
}

/** One line, with a stable code, whatever went wrong; never a stack trace. */
export function formatError(e: unknown, json: boolean): { text: string; exitCode: number } {
  const err =
    e instanceof CustodyError
      ? { code: e.code, message: e.message }
      : {
          code: 'E_INTERNAL',
          message: `internal error: ${firstLine(e)}`,
        };
  const exitCode = err.code === 'E_USAGE' ? 2 : 1;
  // The message may quote a name someone else chose: one line, no controls, so it can neither
  // forge a line of output nor send escape sequences to the operator's terminal.
  const text = json
    ? terminalSafeJson({ error: err })
    : `custody: ${err.code}: ${printable(err.message, MAX_ERROR)}`;
  return { text, exitCode };
}

/**
 * Aligned columns. Every cell passes through `printable`, so a name holding a newline or an
 * escape sequence cannot print a row of its own or act on the terminal.
 */
export function table(cells: string[][]): string[] {
  if (!cells.length) return [];
  const rows = cells.map((r) => r.map((c) => printable(c ?? '', MAX_CELL)));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}
