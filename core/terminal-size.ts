/**
 * The largest terminal Custody models, and the one place a client's size is made safe.
 *
 * Every live session keeps a headless terminal (the shadow snapshot), every recording is replayed
 * through one, and the console lays itself out at the client's size: all cost memory in
 * proportion to cols × rows. A client may ask for anything up to 2^32-1 in an SSH pty request or
 * window-change; 20000×20000 grew the node past its heap limit in seconds. 500 columns
 * by 200 rows is wider and taller than any real screen at a readable font (a 4K monitor at 8 px
 * per column is 480), and bounds one screen model at 100,000 cells. A larger request is clamped:
 * the session opens (the target sees the clamped size), it is not refused.
 */
export const MAX_TERMINAL_COLS = 500;
export const MAX_TERMINAL_ROWS = 200;
export const DEFAULT_TERMINAL_COLS = 80;
export const DEFAULT_TERMINAL_ROWS = 24;

function clamp(v: unknown, max: number, fallback: number): number {
  const n = typeof v === 'number' ? Math.floor(v) : Number.NaN;
  // 0 is what SSH clients send for "unknown"; anything unusable falls back to the default.
  if (!Number.isFinite(n) || n < 1) return fallback;
  return Math.min(n, max);
}

/** cols × rows within 1…MAX_TERMINAL_COLS × 1…MAX_TERMINAL_ROWS (unusable values: 80 × 24). */
export function clampTerminalSize(cols: unknown, rows: unknown): { cols: number; rows: number } {
  return {
    cols: clamp(cols, MAX_TERMINAL_COLS, DEFAULT_TERMINAL_COLS),
    rows: clamp(rows, MAX_TERMINAL_ROWS, DEFAULT_TERMINAL_ROWS),
  };
}
