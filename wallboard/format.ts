// Text for the board's panels: pure functions of a snapshot, so the panels' wording is tested
// without a terminal. Every name from the bastion passes printable() first: a user or target
// name must never move the cursor or change the terminal's state.
import { plural, printable, type BoardSnapshot } from '../core/index.ts';

/** `HH:MM:SS` since `startedAt` (days roll into the hours: a week-long session says 168:00:00). */
export function duration(startedAt: string, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(startedAt)) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** `3m`, `2h`, `in 12m`: an age or a time to go, coarse enough to read from across the room. */
export function ago(at: string, now: Date): string {
  const ms = Date.parse(at) - now.getTime();
  const m = Math.round(Math.abs(ms) / 60_000);
  const text = m < 60 ? `${m}m` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}`;
  return ms > 0 ? `in ${text}` : text;
}

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** One cell: printable, cut to `width` with an ellipsis, padded. */
export function cell(text: string, width: number): string {
  const t = printable(text);
  if (width <= 0) return '';
  const cut = t.length > width ? `${t.slice(0, Math.max(0, width - 1))}…` : t;
  return cut.padEnd(width);
}

/** Columns: the first `flex` one takes what the fixed ones leave. */
export function row(cells: string[], widths: number[], total: number, flex = 0): string {
  const fixed = widths.reduce((a, w, i) => (i === flex ? a : a + w + 1), 0);
  const ws = widths.map((w, i) => (i === flex ? Math.max(4, total - fixed) : w));
  return cells
    .map((c, i) => cell(c, ws[i] ?? 0))
    .join(' ')
    .slice(0, total);
}

export function liveLines(s: BoardSnapshot, width: number): string[] {
  const widths = [0, 6, 8, 8];
  const head = row(['user → target', 'proto', 'node', 'duration'], widths, width);
  if (s.live.length === 0) return [head, 'no live sessions'];
  const now = new Date(s.at);
  return [
    head,
    ...s.live.map((l) =>
      row([`${l.user} → ${l.target}`, l.protocol, l.node, duration(l.startedAt, now)], widths, width),
    ),
  ];
}

export function requestLines(s: BoardSnapshot, width: number): string[] {
  const now = new Date(s.at);
  const widths = [0, 10, 7];
  const lines = [`pending approvals (${s.pending.length})`];
  for (const r of s.pending) lines.push(row([r.account, r.requester, ago(r.at, now)], widths, width));
  if (s.pending.length === 0) lines.push('  none waiting');
  lines.push(`check-outs ending < 1 h (${s.expiring.length})`);
  for (const r of s.expiring) lines.push(row([r.account, r.requester, ago(r.at, now)], widths, width));
  if (s.expiring.length === 0) lines.push('  none');
  return lines;
}

export function overnightLines(s: BoardSnapshot): string[] {
  const o = s.overnight;
  return [
    `resets: ${o.changed} changed, ${o.failed} failed`,
    `verified: ${o.inSync} in sync`,
    `${o.outOfSync} out of sync, ${o.unreachable} unreachable`,
  ];
}

export function diskLines(s: BoardSnapshot): string[] {
  const d = s.disk;
  if (!d) return ['recordings volume unreadable'];
  const pct = d.totalBytes > 0 ? Math.round((d.usedBytes / d.totalBytes) * 100) : 0;
  return [
    `${bytes(d.usedBytes)} of ${bytes(d.totalBytes)} used (${pct}%)`,
    `writing ${bytes(d.bytesPerDay)}/day`,
    d.daysLeft === null
      ? 'days left: no recent recordings'
      : d.daysLeft > 3650
        ? 'days left: over ten years'
        : `days left: ${Math.floor(d.daysLeft)}`,
  ];
}

export function nodeLines(s: BoardSnapshot, width: number): string[] {
  const lines = s.nodes.map((n) => cell(`${n.name}: ${n.state}, ${plural(n.sessions, 'session')}`, width));
  if (!s.clustered) lines.push(cell('single node: no cluster', width));
  return lines;
}

export function auditLines(s: BoardSnapshot, width: number, rows: number): string[] {
  return s.audit
    .slice(0, rows)
    .map((a) => row([a.at.slice(11, 19), a.type, a.actor, a.target, a.result], [8, 20, 8, 0, 7], width, 3));
}

/** The chart's series: the last hour's starts, labelled in minutes ago. */
export function chartSeries(s: BoardSnapshot): { x: string[]; y: number[] } {
  const n = s.startsPerMinute.length;
  return { x: s.startsPerMinute.map((_, i) => `-${n - i}m`), y: [...s.startsPerMinute] };
}
