/**
 * Small pure helpers for the asciicast writer's lines and records: UTF-8 boundaries, the header
 * lines of the cast and of its side index, rounding times. Its own file because none of it holds
 * state.
 */
import type { IndexHeader } from './index-format.ts';
import type { RecordingMeta } from './types.ts';

/**
 * Where a trailing character that is not complete yet starts (the rest of it comes with the next
 * bytes), or the length when the bytes end on a character boundary.
 */
export function incompleteTail(b: Buffer): number {
  for (let i = b.length - 1; i >= Math.max(0, b.length - 3); i--) {
    const c = b[i]!;
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0xc0) return b.length;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return b.length - i < need ? i : b.length;
  }
  return b.length;
}

/** A plain terminal name (the gateway passes on no other), else the default. */
export function headerTerm(term: string | undefined): string {
  return term && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(term) ? term : 'xterm-256color';
}

export function round6(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

/** The cast's first line: asciicast v2's header, at the (clamped) size the session started with. */
export function castHeaderLine(meta: RecordingMeta, cols: number, rows: number): string {
  const header = {
    version: 2,
    width: cols,
    height: rows,
    timestamp: Math.floor(meta.startedAt.getTime() / 1000),
    title: `${meta.user} → ${meta.target}`,
    env: { TERM: headerTerm(meta.term) },
  };
  return JSON.stringify(header) + '\n';
}

/** The side index's first line: its format and how often it takes a keyframe. */
export function indexHeaderLine(intervalSeconds: number, intervalBytes: number): string {
  const header: IndexHeader = { version: 1, format: 'custody-cast-index', intervalSeconds, intervalBytes };
  return JSON.stringify(header) + '\n';
}
