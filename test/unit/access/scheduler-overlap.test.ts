// The access scheduler's expiry pass never runs twice at once: a tick while one is in flight joins
// it (a slow database must not let passes pile up or process one expiry twice).
import { describe, expect, it } from 'vitest';
import { AccessScheduler, type AccessService } from '../../../core/index.ts';

function slowAccess() {
  let calls = 0;
  let finish: (r: { voided: number; expired: number }) => void = () => undefined;
  const access = {
    expireDue: () => {
      calls++;
      return new Promise<{ voided: number; expired: number }>((r) => (finish = r));
    },
  } as unknown as AccessService;
  return { access, calls: () => calls, finish: (expired: number) => finish({ voided: 0, expired }) };
}

describe('access scheduler', () => {
  it('joins a pass still running instead of starting a second one, and starts anew afterwards', async () => {
    const a = slowAccess();
    const scheduler = new AccessScheduler(a.access);
    const first = scheduler.tick();
    const second = scheduler.tick();
    expect(a.calls()).toBe(1);
    a.finish(2);
    expect(await first).toEqual({ voided: 0, expired: 2 });
    expect(await second).toEqual({ voided: 0, expired: 2 });
    const third = scheduler.tick();
    expect(a.calls()).toBe(2);
    a.finish(0);
    expect(await third).toEqual({ voided: 0, expired: 0 });
  });

  it('starts anew after a pass that failed', async () => {
    let calls = 0;
    const access = {
      expireDue: async () => {
        calls++;
        if (calls === 1) throw new Error('database busy');
        return { voided: 0, expired: 1 };
      },
    } as unknown as AccessService;
    const scheduler = new AccessScheduler(access);
    await expect(scheduler.tick()).rejects.toThrow('database busy');
    expect(await scheduler.tick()).toEqual({ voided: 0, expired: 1 });
  });
});
