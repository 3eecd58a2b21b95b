/**
 * What a file-transfer recording holds: one JSON line per operation (in `transfer` records of the
 * container), `{"t":SECONDS,"op":"write","path":"/srv/a.txt","offset":0,"size":32768}`. `op` is
 * one of open, close, read, write, rename, remove, stat, mkdir, rmdir, list, setstat, symlink,
 * readlink, realpath; `path` (and `to` for rename and symlink) are the names the client gave;
 * `offset`/`size` for reads and writes; `flags` for open; `result` is `ok` or the failure's
 * status text. With file contents recorded, reads and writes carry `data` (base64).
 */
import { printable } from '../printable.ts';

export interface TransferOp {
  t: number;
  op: string;
  path?: string;
  to?: string;
  offset?: number;
  size?: number;
  flags?: string;
  result?: string;
  data?: string;
}

export function transferLine(op: TransferOp): string {
  return JSON.stringify(op) + '\n';
}

/** The operations as text (one line each, names made printable) or as JSON lines. */
export function transferLines(text: string, format: 'text' | 'json'): string {
  if (format === 'json') return text;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let op: TransferOp;
    try {
      op = JSON.parse(line) as TransferOp;
    } catch {
      continue;
    }
    const parts = [op.t.toFixed(3).padStart(10), op.op.padEnd(8)];
    if (op.path !== undefined) parts.push(printable(op.path, 4096));
    if (op.to !== undefined) parts.push('->', printable(op.to, 4096));
    if (op.flags) parts.push(`flags=${op.flags}`);
    if (op.offset !== undefined) parts.push(`offset=${op.offset}`);
    if (op.size !== undefined) parts.push(`size=${op.size}`);
    if (op.result && op.result !== 'ok') parts.push(`(${printable(op.result, 200)})`);
    if (op.data !== undefined) parts.push(`[${Buffer.from(op.data, 'base64').length} bytes recorded]`);
    out.push(parts.join(' '));
  }
  return out.length ? out.join('\n') + '\n' : '';
}
