import { ValidationError } from '../errors.ts';
import type { ScheduleKind } from '../storage/repos/index.ts';

/**
 * When a rotation runs: once, every N days, or monthly. The reference product gives no time of
 * day, so every kind has one (`at`, HH:MM UTC), as backups do. Pure functions of the clock's
 * time: the scheduler and its fake-clock tests share them.
 */
export interface Schedule {
  kind: ScheduleKind;
  /** once: the moment (ISO-8601). */
  onceAt?: string | null;
  /** days: the interval. */
  everyDays?: number | null;
  /** monthly: the day of the month (1–31; a shorter month runs on its last day). */
  monthDay?: number | null;
  /** HH:MM UTC (days and monthly). */
  at: string;
}

/** Pre-notification bounds, as the reference product offers them: a minute to a week before. */
export const NOTIFY_MIN_MINUTES = 1;
export const NOTIFY_MAX_MINUTES = 7 * 24 * 60;

const DAY = 86_400_000;

function hhmm(at: string): [number, number] {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m)
    throw new ValidationError(`time of day must be HH:MM (UTC), got '${at.slice(0, 20)}'`, { field: 'at' });
  return [Number(m[1]), Number(m[2])];
}

/** Checks a schedule's fields; throws a ValidationError naming the bad one. */
export function validateSchedule(s: Schedule): void {
  hhmm(s.at);
  if (s.kind === 'once') {
    if (!s.onceAt || Number.isNaN(Date.parse(s.onceAt)))
      throw new ValidationError('a one-off rotation needs a valid time (ISO-8601)', { field: 'once' });
  } else if (s.kind === 'days') {
    if (!Number.isInteger(s.everyDays) || s.everyDays! < 1 || s.everyDays! > 3650)
      throw new ValidationError('every-days must be 1–3650', { field: 'everyDays' });
  } else if (s.kind === 'monthly') {
    if (!Number.isInteger(s.monthDay) || s.monthDay! < 1 || s.monthDay! > 31)
      throw new ValidationError('the day of the month must be 1–31', { field: 'monthDay' });
  } else {
    throw new ValidationError(`unknown schedule '${String(s.kind)}'`, { field: 'kind' });
  }
}

/** Parses `30m`, `2h`, `1d12h`, `1w` (or plain minutes) into minutes, within those bounds. */
export function parseNotifyBefore(text: string): number {
  const t = text.trim().toLowerCase();
  let minutes = 0;
  if (/^\d+$/.test(t)) minutes = Number(t);
  else {
    const re = /(\d+)\s*([wdhm])/gy;
    let m: RegExpExecArray | null;
    let seen = 0;
    while ((m = re.exec(t))) {
      minutes += Number(m[1]) * { w: 10_080, d: 1_440, h: 60, m: 1 }[m[2] as 'w' | 'd' | 'h' | 'm'];
      seen = re.lastIndex;
    }
    if (!seen || seen !== t.length)
      throw new ValidationError(
        `notify-before must look like 30m, 2h, 1d12h or 1w, got '${text.slice(0, 20)}'`,
        {
          field: 'notifyBefore',
        },
      );
  }
  if (minutes < NOTIFY_MIN_MINUTES || minutes > NOTIFY_MAX_MINUTES)
    throw new ValidationError('notify-before must be from 1 minute to 1 week', { field: 'notifyBefore' });
  return minutes;
}

function monthlyAt(year: number, month: number, day: number, h: number, m: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, last), h, m);
}

/** The first occurrence at or after `from`. */
export function firstRun(s: Schedule, from: Date): string | null {
  const [h, m] = hhmm(s.at);
  const t = from.getTime();
  if (s.kind === 'once') return new Date(s.onceAt!).toISOString();
  if (s.kind === 'days') {
    let at = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), h, m);
    if (at < t) at += DAY;
    return new Date(at).toISOString();
  }
  let y = from.getUTCFullYear();
  let mo = from.getUTCMonth();
  let at = monthlyAt(y, mo, s.monthDay!, h, m);
  if (at < t) {
    mo += 1;
    if (mo === 12) [y, mo] = [y + 1, 0];
    at = monthlyAt(y, mo, s.monthDay!, h, m);
  }
  return new Date(at).toISOString();
}

/**
 * The occurrence after the one due at `due`, skipping any that are already past at `now`: a
 * node that was down over several occurrences runs once, not once per missed occurrence.
 */
export function nextRunAfter(s: Schedule, due: string, now: Date): string | null {
  if (s.kind === 'once') return null;
  const [h, m] = hhmm(s.at);
  let at = new Date(due).getTime();
  const step = (): void => {
    if (s.kind === 'days') {
      at += s.everyDays! * DAY;
    } else {
      const d = new Date(at);
      const [y, mo] =
        d.getUTCMonth() === 11 ? [d.getUTCFullYear() + 1, 0] : [d.getUTCFullYear(), d.getUTCMonth() + 1];
      at = monthlyAt(y, mo, s.monthDay!, h, m);
    }
  };
  step();
  while (at <= now.getTime()) step();
  return new Date(at).toISOString();
}
