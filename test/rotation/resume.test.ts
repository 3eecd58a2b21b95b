// A scheduled rotation run whose node stops mid-run (the crash window of each reset included) is
// finished by the rotation job's next holder, each account reset exactly once, with the stand-in
// target of helpers.ts and a ManualClock. Node A is a second set of services on the same vault
// whose connector never returns from one account's change: as a node killed at that moment, it
// writes nothing more. Node B holds the job with a larger fencing token. The real-process version
// (kill -9 of a real node, the real sshd target) is test/cluster/rotation-takeover.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ResetEngine,
  RotationService,
  type AccessNotification,
  type JobLease,
  type ResetConnector,
} from '../../core/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { rotationWorld, vaultHas, type World } from './helpers.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.v.close();
  w = undefined;
});

const lease = (token: number): JobLease => ({
  signal: new AbortController().signal,
  stillHeld: async () => true,
  token,
});
const REFS = ['web01/acct11', 'web01/acct12', 'web02/acct21', 'web02/acct22', 'web03/acct31', 'web03/acct32'];

/**
 * Node A: its connector changes passwords on the shared stand-in target, counting each change,
 * until `dieAt`, where it stops for good — `after` the target took the new password, or `before`.
 */
function nodeA(x: World, dieAt: string, when: 'before' | 'after') {
  const changes = new Map<string, number>();
  let reached!: () => void;
  const died = new Promise<void>((r) => (reached = r));
  const count = (name: string) => changes.set(name, (changes.get(name) ?? 0) + 1);
  const inner = x.target.connector;
  const change = inner.change.bind(inner);
  const connector: ResetConnector = {
    verify: inner.verify!,
    async change(t, login, account, next) {
      if (account.name === dieAt && when === 'before') {
        reached();
        return new Promise<void>(() => undefined);
      }
      await change(t, login, account, next);
      count(account.name);
      if (account.name === dieAt) {
        reached();
        return new Promise<void>(() => undefined);
      }
    },
  };
  const notifier = { notify: async (_n: AccessNotification) => undefined };
  const ctx = contextOf(x.v.core);
  const service = new RotationService(
    ctx,
    new ResetEngine(ctx, { unix: connector }, { retryDelayMs: 1 }),
    (id) => x.v.core.access.isCheckedOut(id),
    notifier,
  );
  return { service, changes, died, count };
}

/** Node B: the world's own services, its target changes counted into the same map. */
function countOnB(x: World, changes: Map<string, number>) {
  const inner = x.target.connector.change.bind(x.target.connector);
  x.target.connector.change = async (t, login, account, next) => {
    await inner(t, login, account, next);
    changes.set(account.name, (changes.get(account.name) ?? 0) + 1);
  };
}

async function startRun(x: World) {
  await x.rotation.create(x.v.host, {
    name: 'nightly',
    group: 'webs',
    schedule: { kind: 'once', onceAt: '2026-03-01T12:00:00Z' },
  });
  x.clock.set('2026-03-01T12:00:00Z');
}

/** The audit rows of a type, their details parsed (they are stored as JSON text). */
async function audited(x: World, type: string) {
  return (await x.v.core.audit.query(x.v.host, { type })).map((e) => ({
    ...e,
    details: JSON.parse(String(e.details)) as Record<string, unknown>,
  }));
}

async function inSync(x: World): Promise<void> {
  for (const ref of REFS) expect(await vaultHas(x.v, ref)).toBe(x.target.passwords.get(ref.split('/')[1]!));
}

describe('a rotation run its node left open, finished by the next holder of the job', () => {
  it('died after the target took the third password, before the vault write: B verifies it, keeps it, resets the rest, each once', async () => {
    w = await rotationWorld({ resources: 3, extraConfig: { rotation: { concurrency: 1 } } });
    await startRun(w);
    const before = new Map(w.target.passwords);
    const a = nodeA(w, 'acct21', 'after');
    void a.service.runDue(undefined, lease(1));
    await a.died;
    // The crash window: the target has the new password, the vault the old one.
    expect(w.target.passwords.get('acct21')).not.toBe(before.get('acct21'));
    expect(await vaultHas(w.v, 'web02/acct21')).toBe(before.get('acct21'));

    countOnB(w, a.changes);
    const [report] = await w.rotation.runDue(undefined, lease(2));
    expect(report).toMatchObject({ changed: 6, skipped: 0, failed: 0 });
    expect([...a.changes.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect([...a.changes.keys()].sort()).toEqual(REFS.map((r) => r.split('/')[1]).sort());
    for (const [name, pw] of before) expect(w.target.passwords.get(name)).not.toBe(pw);
    await inSync(w);
    const settled = report!.results.find((r) => r.account === 'web02/acct21')!;
    expect(settled.reason).toMatch(/previous holder/);

    const audit = (type: string) => audited(w!, type);
    const [resume] = await audit('rotation.resume');
    expect(resume!.details).toMatchObject({ fromToken: 1, toToken: 2, done: 2, remaining: 4, pending: 1 });
    const [reconciled] = await audit('password.reset-reconciled');
    expect(reconciled).toMatchObject({
      targetName: 'web02/acct21',
      details: { kept: 'new', by: 'verified' },
    });
    expect(await audit('rotation.run')).toHaveLength(1);
    expect(await contextOf(w.v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
    // The job's next pass finds nothing more to do.
    expect(await w.rotation.runDue(undefined, lease(2))).toEqual([]);
  });

  it('died after writing the third pending reset, before touching the target: B finds the stored password still works, drops it and resets', async () => {
    w = await rotationWorld({ resources: 3, extraConfig: { rotation: { concurrency: 1 } } });
    await startRun(w);
    const before = new Map(w.target.passwords);
    const a = nodeA(w, 'acct21', 'before');
    void a.service.runDue(undefined, lease(4));
    await a.died;
    expect(w.target.passwords.get('acct21')).toBe(before.get('acct21'));

    countOnB(w, a.changes);
    const [report] = await w.rotation.runDue(undefined, lease(5));
    expect(report).toMatchObject({ changed: 6, failed: 0 });
    expect([...a.changes.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    await inSync(w);
    const [abandoned] = await audited(w, 'password.reset-abandoned');
    expect(abandoned).toMatchObject({ targetName: 'web02/acct21', details: { kept: 'stored' } });
  });

  it('neither password works on the target: the account is reported failed and its pending reset kept; the others are reset', async () => {
    w = await rotationWorld({ resources: 3, extraConfig: { rotation: { concurrency: 1 } } });
    await startRun(w);
    const a = nodeA(w, 'acct21', 'before');
    void a.service.runDue(undefined, lease(1));
    await a.died;
    w.target.passwords.set('acct21', 'Somebody#Else9changed!it');

    const [report] = await w.rotation.runDue(undefined, lease(2));
    expect(report).toMatchObject({ changed: 5, failed: 1 });
    expect(report!.results.find((r) => r.account === 'web02/acct21')!.reason).toMatch(/unresolved/);
    const [unresolved] = await audited(w, 'password.reset-unresolved');
    expect(unresolved!.details).toMatchObject({
      message: 'the target refused both the new and the stored password',
    });
    const pending = await contextOf(w.v.core).store.read((r) => r.pendingResets.all());
    expect(pending).toHaveLength(1);
  });

  it('is taken over once: a holder with the same token leaves it, and of two resumers only one finishes it', async () => {
    w = await rotationWorld({ resources: 3, extraConfig: { rotation: { concurrency: 1 } } });
    await startRun(w);
    const a = nodeA(w, 'acct12', 'after');
    void a.service.runDue(undefined, lease(3));
    await a.died;
    // Token 3 is A's own: a pass under it is A's and never resumes its own run.
    expect(await w.rotation.runDue(undefined, lease(3))).toEqual([]);
    const b2 = nodeA(w, 'none', 'after');
    countOnB(w, a.changes);
    const both = await Promise.all([
      w.rotation.runDue(undefined, lease(4)),
      b2.service.runDue(undefined, lease(4)),
    ]);
    expect(both.flat()).toHaveLength(1);
    for (const [name, n] of b2.changes) a.changes.set(name, (a.changes.get(name) ?? 0) + n);
    expect([...a.changes.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    await inSync(w);
  });
});
