// The session clocks on a manual clock: idle counts from the last traffic (one timer per quiet
// period, re-armed when it finds traffic since), the maximum duration and the check-out's end
// fire at their instants, and cancel() leaves no timer behind.
import { describe, expect, it } from 'vitest';
import { ManualTimers, type SessionGrant } from '../../core/index.ts';
import type { SessionEvent } from '../../gateway/session/events.ts';
import { EventQueue } from '../../gateway/session/events.ts';
import { armSessionClocks } from '../../gateway/session/timers.ts';

const START = '2026-05-01T10:00:00.000Z';

function grant(expiresAt: string | null): SessionGrant {
  return {
    id: 'g1',
    actor: { kind: 'user', name: 'alice', source: 'test' },
    target: { ref: 'web01/root', resource: 'web01', account: 'root' },
    route: [],
    issuedAt: START,
    requestId: expiresAt ? 'req-1' : null,
    expiresAt,
  } as unknown as SessionGrant;
}

function arm(o: { idle?: number; max?: number; expiresAt?: string | null }) {
  const timers = new ManualTimers(START);
  const events: SessionEvent[] = [];
  const clocks = armSessionClocks({
    timers,
    grant: grant(o.expiresAt ?? null),
    idleTimeoutMs: o.idle ?? 0,
    maxDurationMs: o.max ?? 0,
    push: (e) => events.push(e),
  });
  return { timers, events, clocks };
}

describe('session clocks', () => {
  it('idle: fires a quiet period after the last traffic, not after the first', () => {
    const { timers, events, clocks } = arm({ idle: 60_000 });
    timers.advance(50_000);
    clocks.activity();
    timers.advance(59_999);
    expect(events).toEqual([]);
    timers.advance(1);
    expect(events).toEqual([{ type: 'stop', cause: 'idle', reason: 'idle for 1 minutes' }]);
  });

  it('maximum duration and check-out expiry fire at their instants', () => {
    const { timers, events } = arm({ max: 3_600_000, expiresAt: '2026-05-01T10:30:00.000Z' });
    timers.advance(30 * 60_000 - 1);
    expect(events).toEqual([]);
    timers.advance(1);
    expect(events).toEqual([
      { type: 'stop', cause: 'expired', reason: 'checked in: the exclusive use of web01/root has expired' },
    ]);
    timers.advance(30 * 60_000);
    expect(events.map((e) => e.type === 'stop' && e.cause)).toEqual(['expired', 'max-duration']);
  });

  it('an expiry already past fires at once; cancel() leaves nothing armed', () => {
    const past = arm({ expiresAt: '2026-05-01T09:00:00.000Z' });
    past.timers.advance(0);
    expect(past.events.map((e) => e.type === 'stop' && e.cause)).toEqual(['expired']);
    const { timers, clocks } = arm({ idle: 1000, max: 2000, expiresAt: '2026-05-01T11:00:00.000Z' });
    expect(timers.pending).toBe(3);
    clocks.cancel();
    expect(timers.pending).toBe(0);
  });
});

describe('session event queue', () => {
  it('hands events over in order, waiting when none is queued', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    const next = q.next();
    const later = q.next().then((n) => n);
    q.push(2);
    expect(await next).toBe(1);
    expect(await later).toBe(2);
  });
});
