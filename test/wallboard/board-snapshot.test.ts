// What the board reads, through core.as(actor).board: pending approvals, check-outs ending within
// the hour, the last hour's session starts by minute, the last 24 h of resets and verifications,
// the recordings volume, the audit tail; for administrators and auditors only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, ManualClock, type Actor } from '../../core/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

describe('the board snapshot', () => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let v: TestVault;
  let auditor: Actor;
  let alice: Actor;

  const audit = (type: string, details: Record<string, unknown> = {}, result = 'success') =>
    contextOf(v.core).appendStandalone({
      type: type as never,
      actor: 'someone',
      source: 'test',
      target: { kind: 'account', name: 'x/y' },
      result: result as never,
      details,
    });

  beforeAll(async () => {
    v = await createTestVault({ clock });
    auditor = await v.addUser('audrey', 'auditor');
    alice = await v.addUser('alice', 'password-user');
    for (const [res, auto] of [
      ['db01', 'always'],
      ['db02', 'off'],
    ] as const) {
      await v.core.resources.create(v.host, { name: res, type: 'linux', dnsName: '127.0.0.1' });
      await v.core.accounts.add(v.host, res, 'dba', pw('Tg7#Kp2$Wm9!Lq4&Zx5v'));
      await v.core.sharing.grant(
        v.host,
        { kind: 'account', name: `${res}/dba` },
        { kind: 'user', name: 'alice' },
        'view',
      );
      await v.core.access.configure(v.host, res, {
        approvers: ['admin'],
        autoApprove: auto,
        exclusiveHours: 1,
      });
    }
  });
  afterAll(async () => v?.close());

  it('shows what waits, what is about to expire, and what happened lately', async () => {
    // Yesterday morning: outside the 24 hours.
    clock.set('2026-03-01T08:00:00Z');
    await audit('password.reset');
    clock.set('2026-03-02T02:30:00Z');
    await audit('password.reset');
    await audit('password.reset-fail', {}, 'failure');
    await audit('password.verify', { status: 'in-sync' });
    await audit('password.verify', { status: 'out-of-sync' }, 'failure');
    await audit('password.verify', { status: 'unreachable' }, 'failure');
    // Session starts 59, 30 and 0 minutes before the snapshot (two in the last minute).
    clock.set('2026-03-02T08:00:30Z');
    await audit('session.start', { mode: 'shell' });
    clock.set('2026-03-02T08:29:30Z');
    await audit('session.start', { mode: 'shell' });
    clock.set('2026-03-02T08:59:10Z');
    await audit('session.start', { mode: 'exec' });
    await audit('session.start', { mode: 'exec' });
    clock.set('2026-03-02T08:20:00Z');
    await v.core.access.request(alice, 'db01/dba', 'deploy');
    await v.core.access.checkout(alice, 'db01/dba');
    await v.core.access.request(alice, 'db02/dba', 'report');
    clock.set('2026-03-02T09:00:00Z');

    const s = await v.core.as(auditor).board.snapshot();
    expect(s.pending).toEqual([expect.objectContaining({ account: 'db02/dba', requester: 'alice' })]);
    expect(s.expiring).toEqual([
      expect.objectContaining({ account: 'db01/dba', requester: 'alice', at: '2026-03-02T09:20:00.000Z' }),
    ]);
    expect(s.overnight).toEqual({ changed: 1, failed: 1, inSync: 1, outOfSync: 1, unreachable: 1 });
    expect(s.startsPerMinute).toHaveLength(60);
    expect(s.startsPerMinute.reduce((a, b) => a + b, 0)).toBe(4);
    expect(s.startsPerMinute[0]).toBe(1);
    expect(s.startsPerMinute[29]).toBe(1);
    expect(s.startsPerMinute[59]).toBe(2);
    expect(s.nodes).toEqual([{ name: 'node-1', sessions: 0, state: 'this node' }]);
    expect(s.clustered).toBe(false);
    expect(s.disk?.totalBytes).toBeGreaterThan(0);
    expect(s.audit[0]).toMatchObject({ type: 'access.request', actor: 'alice', target: 'db02/dba' });
  });

  it('is for administrators and auditors only', async () => {
    await expect(v.core.as(alice).board.snapshot()).rejects.toBeInstanceOf(ForbiddenError);
    expect(() => v.core.as(alice).board.watch(() => undefined)).toThrow(ForbiddenError);
    await expect(v.core.as(v.host).board.snapshot()).resolves.toBeDefined();
  });

  it('tells a watching board when something commits, until it stops watching', async () => {
    let told = 0;
    const stop = v.core.as(auditor).board.watch(() => told++);
    await audit('session.start', { mode: 'shell' });
    expect(told).toBe(1);
    stop();
    await audit('session.start', { mode: 'shell' });
    expect(told).toBe(1);
  });
});
