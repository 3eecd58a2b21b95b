import { randomUUID } from 'node:crypto';

/** Injected into every core service so expiry, lockout and playback are tested without sleeps. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured logger. Fields pass through JSON.stringify, where a `Secret` prints as `<secret>`,
 * so even a careless `logger.info('x', { password })` leaks nothing.
 */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export const systemClock: Clock = { now: () => new Date() };

export const uuidIds: IdGenerator = { next: () => randomUUID() };

export function createStreamLogger(
  write: (line: string) => void,
  minLevel: LogLevel = 'info',
  clock: Clock = systemClock,
): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return {
    log(level, message, fields = {}) {
      if (order.indexOf(level) < order.indexOf(minLevel)) return;
      write(JSON.stringify({ at: clock.now().toISOString(), level, message, ...fields }) + '\n');
    },
  };
}

export const silentLogger: Logger = { log: () => undefined };

/** A clock that only moves when told to: for tests and replay. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#now = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(at: Date | string): void {
    this.#now = new Date(at).getTime();
  }
}

export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}-${String(++n).padStart(6, '0')}` };
}
