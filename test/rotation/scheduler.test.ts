// Scheduled rotation and nightly verification with a ManualClock (no sleeps) against the stand-in
// target of helpers.ts: once / every N days / monthly, pre-notification timing, a missed run
// after a restart runs once, checked-out passwords skipped, unique vs common passwords, failures
// reported with their reason while the vault keeps the old password.
import { afterEach, describe, expect, it } from 'vitest';
import { firstRun, nextRunAfter, parseNotifyBefore } from '../../core/index.ts';
import { rotationWorld, vaultHas, type World } from './helpers.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.v.close();
  w = undefined;
});

const MIN = 60_000;
const nextOf = async (x: World, name: string) =>
  (await x.rotation.list(x.v.host)).find((t) => t.name === name)!.nextRunAt;

describe('schedule arithmetic', () => {
  it('parses pre-notification durations within a minute to a week', () => {
    expect(parseNotifyBefore('1')).toBe(1);
    expect(parseNotifyBefore('30m')).toBe(30);
    expect(parseNotifyBefore('1d12h')).toBe(2160);
    expect(parseNotifyBefore('1w')).toBe(10_080);
    expect(() => parseNotifyBefore('1w1m')).toThrow(/1 minute to 1 week/);
    expect(() => parseNotifyBefore('0')).toThrow(/1 minute to 1 week/);
    expect(() => parseNotifyBefore('soon')).toThrow(/30m, 2h/);
  });

  it('monthly on day 31 runs on the last day of shorter months; every N days steps from the last due time', () => {
    const monthly = { kind: 'monthly' as const, monthDay: 31, at: '02:00' };
    const first = firstRun(monthly, new Date('2026-02-10T00:00:00Z'))!;
    expect(first).toBe('2026-02-28T02:00:00.000Z');
    const second = nextRunAfter(monthly, first, new Date(first))!;
    expect(second).toBe('2026-03-31T02:00:00.000Z');
    expect(nextRunAfter(monthly, second, new Date(second))).toBe('2026-04-30T02:00:00.000Z');
    const days = { kind: 'days' as const, everyDays: 3, at: '23:15' };
    expect(firstRun(days, new Date('2026-03-01T23:16:00Z'))).toBe('2026-03-02T23:15:00.000Z');
    // Ten days late: the missed occurrences collapse into the next future one.
    expect(nextRunAfter(days, '2026-03-02T23:15:00.000Z', new Date('2026-03-12T23:15:00Z'))).toBe(
      '2026-03-14T23:15:00.000Z',
    );
  });
});

describe('rotation scheduler (ManualClock, stand-in target)', () => {
  it('once, with a 30-minute pre-notification: notified at T-30m exactly once, rotated at T, then never again', async () => {
    w = await rotationWorld();
    await w.rotation.create(w.v.host, {
      name: 'once',
      group: 'webs',
      schedule: { kind: 'once', onceAt: '2026-03-01T12:00:00Z' },
      notifyBeforeMinutes: 30,
    });
    w.clock.set('2026-03-01T11:29:00Z');
    expect(await w.scheduler.tick()).toMatchObject({ notified: [], rotated: [] });
    w.clock.advance(MIN);
    expect((await w.scheduler.tick()).notified).toEqual(['once']);
    expect(w.notes).toHaveLength(1);
    expect(w.notes[0]).toMatchObject({ kind: 'rotation', to: ['admin'] });
    expect(w.notes[0]!.subject).toContain('2026-03-01T12:00:00.000Z');
    w.clock.advance(29 * MIN);
    expect(await w.scheduler.tick()).toMatchObject({ notified: [], rotated: [] });
    w.clock.advance(MIN);
    const { rotated } = await w.scheduler.tick();
    expect(rotated).toHaveLength(1);
    expect(rotated[0]).toMatchObject({ trigger: 'schedule', changed: 4, skipped: 0, failed: 0 });
    expect(w.notes.at(-1)!.subject).toMatch(/done: 4 changed, 0 skipped, 0 failed/);
    expect(await nextOf(w, 'once')).toBeNull();
    w.clock.advance(40 * 24 * 60 * MIN);
    expect((await w.scheduler.tick()).rotated).toEqual([]);
    // Vault and stand-in target agree, with new unique passwords.
    const now = await Promise.all(
      ['web01/acct11', 'web01/acct12', 'web02/acct21'].map((r) => vaultHas(w!.v, r)),
    );
    expect(new Set(now).size).toBe(3);
    expect(now[0]).toBe(w.target.passwords.get('acct11'));
  });

  it('every 2 days at 03:00: runs at each occurrence and steps the next one by two days', async () => {
    w = await rotationWorld();
    await w.rotation.create(w.v.host, {
      name: 'bi',
      group: 'webs',
      schedule: { kind: 'days', everyDays: 2, at: '03:00' },
    });
    expect(await nextOf(w, 'bi')).toBe('2026-03-02T03:00:00.000Z');
    w.clock.set('2026-03-02T02:59:59Z');
    expect((await w.scheduler.tick()).rotated).toEqual([]);
    w.clock.set('2026-03-02T03:00:00Z');
    expect((await w.scheduler.tick()).rotated).toHaveLength(1);
    expect(await nextOf(w, 'bi')).toBe('2026-03-04T03:00:00.000Z');
    w.clock.set('2026-03-04T03:00:30Z');
    expect((await w.scheduler.tick()).rotated).toHaveLength(1);
    expect(await nextOf(w, 'bi')).toBe('2026-03-06T03:00:00.000Z');
  });

  it('monthly with a one-week pre-notification: notified seven days before, rotated on the day', async () => {
    w = await rotationWorld();
    await w.rotation.create(w.v.host, {
      name: 'monthly',
      group: 'webs',
      schedule: { kind: 'monthly', monthDay: 15, at: '01:00' },
      notifyBeforeMinutes: 10_080,
    });
    expect(await nextOf(w, 'monthly')).toBe('2026-03-15T01:00:00.000Z');
    w.clock.set('2026-03-08T00:59:00Z');
    expect((await w.scheduler.tick()).notified).toEqual([]);
    w.clock.set('2026-03-08T01:00:00Z');
    expect((await w.scheduler.tick()).notified).toEqual(['monthly']);
    w.clock.set('2026-03-15T01:00:00Z');
    expect((await w.scheduler.tick()).rotated).toHaveLength(1);
    expect(await nextOf(w, 'monthly')).toBe('2026-04-15T01:00:00.000Z');
    // The next occurrence gets its own pre-notification.
    w.clock.set('2026-04-08T01:00:00Z');
    expect((await w.scheduler.tick()).notified).toEqual(['monthly']);
  });

  it('a run missed while the node was down runs once after the restart, not once per missed day', async () => {
    w = await rotationWorld();
    await w.rotation.create(w.v.host, {
      name: 'daily',
      group: 'webs',
      schedule: { kind: 'days', everyDays: 1, at: '02:00' },
    });
    w.clock.set('2026-03-06T09:00:00Z'); // down since before 2026-03-02T02:00
    await w.v.reopen();
    w.rebuild();
    expect((await w.scheduler.tick()).rotated).toHaveLength(1);
    expect((await w.scheduler.tick()).rotated).toHaveLength(0);
    expect(await nextOf(w, 'daily')).toBe('2026-03-07T02:00:00.000Z');
    expect(await w.v.core.audit.query(w.v.host, { type: 'rotation.run' })).toHaveLength(1);
  });

  it('checked-out passwords are skipped; a refused change is reported failed and the vault keeps the old one', async () => {
    w = await rotationWorld();
    const alice = await w.v.addUser('alice', 'password-user');
    await w.v.core.sharing.grant(
      w.v.host,
      { kind: 'resource', name: 'web01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['admin'], autoApprove: 'always' });
    await w.v.core.access.request(alice, 'web01/acct11', 'maintenance');
    await w.v.core.access.checkout(alice, 'web01/acct11');
    const held = await vaultHas(w.v, 'web01/acct11');
    const refusedBefore = await vaultHas(w.v, 'web02/acct22');
    w.target.refuse.add('acct22');
    await w.rotation.create(w.v.host, {
      name: 'now',
      group: 'webs',
      schedule: { kind: 'monthly', monthDay: 1 },
    });
    const seen: number[] = [];
    const report = await w.rotation.run(w.v.host, 'now', (done) => seen.push(done));
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(report).toMatchObject({ trigger: 'manual', changed: 2, skipped: 1, failed: 1 });
    expect(report.results).toEqual([
      { account: 'web01/acct11', outcome: 'skipped', reason: 'checked out' },
      { account: 'web01/acct12', outcome: 'changed', reason: '' },
      { account: 'web02/acct21', outcome: 'changed', reason: '' },
      { account: 'web02/acct22', outcome: 'failed', reason: "stand-in refused 'acct22'" },
    ]);
    expect(await vaultHas(w.v, 'web01/acct11')).toBe(held);
    expect(await vaultHas(w.v, 'web02/acct22')).toBe(refusedBefore);
    // The report is kept and reads back the same; alice (who can see web01) got the report too.
    expect(await w.rotation.report(w.v.host, 'now')).toEqual(report);
    expect(w.notes.at(-1)!.to).toEqual(['admin', 'alice']);
    expect(await w.v.core.audit.query(w.v.host, { type: 'rotation.skip' })).toHaveLength(1);
  });

  it('a common password: every account gets the same one, and the next run a different one', async () => {
    w = await rotationWorld();
    await w.rotation.create(w.v.host, {
      name: 'common',
      group: 'webs',
      schedule: { kind: 'monthly', monthDay: 1 },
      passwordMode: 'common',
    });
    await w.rotation.run(w.v.host, 'common');
    const refs = ['web01/acct11', 'web01/acct12', 'web02/acct21', 'web02/acct22'];
    const first = new Set(await Promise.all(refs.map((r) => vaultHas(w!.v, r))));
    expect(first.size).toBe(1);
    await w.rotation.run(w.v.host, 'common');
    const second = new Set(await Promise.all(refs.map((r) => vaultHas(w!.v, r))));
    expect(second.size).toBe(1);
    expect([...second][0]).not.toBe([...first][0]);
  });

  it('checks the rotation job is still held before each reset: once another node took it, nothing more changes', async () => {
    w = await rotationWorld({ extraConfig: { rotation: { concurrency: 1 } } });
    await w.rotation.create(w.v.host, {
      name: 'leased',
      group: 'webs',
      schedule: { kind: 'once', onceAt: '2026-03-01T12:00:00Z' },
    });
    const before = new Map(w.target.passwords);
    const changed = () => [...w!.target.passwords].filter(([k, p]) => before.get(k) !== p).length;
    // The lease is lost once the first password changed (another node took the job over).
    const lease = { signal: new AbortController().signal, stillHeld: async () => changed() === 0 };
    w.clock.set('2026-03-01T12:00:00Z');
    const { rotated } = await w.scheduler.tick(lease);
    expect(rotated).toHaveLength(1);
    expect(rotated[0]).toMatchObject({ changed: 1, skipped: 3, failed: 0 });
    expect(changed()).toBe(1);
    const skips = rotated[0]!.results.filter((r) => r.outcome === 'skipped').map((r) => r.reason);
    expect(new Set(skips)).toEqual(
      new Set(['this node no longer holds the rotation job (another node took it over)']),
    );
    expect(await w.v.core.audit.query(w.v.host, { type: 'rotation.skip' })).toHaveLength(3);
    // An aborted signal alone (the renewal found another holder) stops it too, before any reset.
    await w.rotation.create(w.v.host, {
      name: 'aborted',
      group: 'webs',
      schedule: { kind: 'once', onceAt: '2026-03-01T13:00:00Z' },
    });
    const gone = new AbortController();
    gone.abort();
    const snapshot = new Map(w.target.passwords);
    w.clock.set('2026-03-01T13:00:00Z');
    const second = await w.rotation.runDue(undefined, { signal: gone.signal, stillHeld: async () => true });
    expect(second[0]).toMatchObject({ changed: 0, skipped: 4 });
    expect(w.target.passwords).toEqual(snapshot);
  });

  it('refuses a pre-notification outside a minute to a week, and a one-off time in the past', async () => {
    w = await rotationWorld({ resources: 1, perResource: 1 });
    const base = { group: 'webs', schedule: { kind: 'days' as const, everyDays: 1 } };
    await expect(w.rotation.create(w.v.host, { ...base, name: 'a', notifyBeforeMinutes: 0 })).rejects.toThrow(
      /1 minute to 1 week/,
    );
    await expect(
      w.rotation.create(w.v.host, { ...base, name: 'b', notifyBeforeMinutes: 10_081 }),
    ).rejects.toThrow(/1 minute to 1 week/);
    await expect(
      w.rotation.create(w.v.host, {
        name: 'c',
        group: 'webs',
        schedule: { kind: 'once', onceAt: '2026-02-01T00:00:00Z' },
      }),
    ).rejects.toThrow(/in the future/);
  });
});

describe('nightly verification (ManualClock, stand-in target)', () => {
  it('runs once a night at verify_at, not at the first start, once after several missed nights', async () => {
    w = await rotationWorld({ extraConfig: { rotation: { verify_at: '02:30' } } });
    w.target.passwords.set('acct12', 'changed-behind-the-vault');
    expect((await w.scheduler.tick()).verified).toBeUndefined(); // first start: baseline only
    w.clock.set('2026-03-02T02:29:00Z');
    expect((await w.scheduler.tick()).verified).toBeUndefined();
    w.clock.set('2026-03-02T02:30:00Z');
    const night = (await w.scheduler.tick()).verified!;
    expect(night.map((r) => `${r.account}:${r.status}`)).toEqual([
      'web01/acct11:in-sync',
      'web01/acct12:out-of-sync',
      'web02/acct21:in-sync',
      'web02/acct22:in-sync',
    ]);
    expect((await w.scheduler.tick()).verified).toBeUndefined();
    const rows = await w.v.core.audit.query(w.v.host, { type: 'password.verify', limit: 10 });
    expect(rows.map((r) => JSON.parse(r.details).status as string).sort()).toEqual([
      'in-sync',
      'in-sync',
      'in-sync',
      'out-of-sync',
    ]);
    expect(rows.every((r) => r.actor === 'system' && r.source === 'verify-nightly')).toBe(true);
    // One consolidated notification to the administrators and auditors (not to password users).
    await w.v.addUser('aud', 'auditor');
    await w.v.addUser('pu', 'password-user');
    const verification = w.notes.filter((n) => n.kind === 'verification');
    expect(verification).toHaveLength(1);
    expect(verification[0]!.subject).toBe('Password verification: 3 in-sync, 1 out-of-sync');
    expect(verification[0]!.body).toBe("web01/acct12: out-of-sync (stand-in refused 'acct12')");
    // Down for three nights, restarted: one run.
    w.clock.set('2026-03-05T12:00:00Z');
    await w.v.reopen();
    w.rebuild();
    expect((await w.scheduler.tick()).verified).toHaveLength(4);
    expect((await w.scheduler.tick()).verified).toBeUndefined();
    expect(w.notes.filter((n) => n.kind === 'verification').at(-1)!.to).toEqual(['admin', 'aud']);
  });
});
