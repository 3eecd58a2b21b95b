import { CustodyError, firstLine } from '../core/index.ts';

/** Human text by default, JSON with --json (CLI contract). */
export class Output {
  constructor(private readonly json: boolean) {}

  /** Prints `data` as JSON, or the human lines `text` builds from it. */
  result<T>(data: T, text: (d: T) => string | string[]): void {
    if (this.json) {
      process.stdout.write(JSON.stringify(data, null, 2) + '\n');
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
  return { text: json ? JSON.stringify({ error: err }) : `custody: ${err.code}: ${err.message}`, exitCode };
}

export function table(rows: string[][]): string[] {
  if (!rows.length) return [];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}
