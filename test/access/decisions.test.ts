// What the requester learns of a decision: a rejection names who rejected and why on
// the request and in its notification; a first of two approvals says so; an account's current
// request comes first in the list (the console's account detail shows the first one).
import { afterEach, expect, it } from 'vitest';
import { AccessService, ManualClock, type AccessNotification } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const REF = 'web01/root';

let v: TestVault | undefined;
afterEach(async () => {
  await v?.close();
  v = undefined;
});

async function world() {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  v = await createTestVault({ clock });
  const alice = await v.addUser('alice', 'password-user');
  const adm1 = await v.addUser('adm1', 'admin');
  const adm2 = await v.addUser('adm2', 'admin');
  await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
  await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
  await v.core.sharing.grant(
    v.host,
    { kind: 'resource', name: 'web01' },
    { kind: 'user', name: 'alice' },
    'view',
  );
  const notes: AccessNotification[] = [];
  const access = new AccessService(contextOf(v.core), v.core.live, {
    notify: async (n) => void notes.push(n),
  });
  return { v, clock, alice, adm1, adm2, notes, access };
}

it("a rejection keeps who rejected and why, on the request, in the requester's list and in the notification", async () => {
  const w = await world();
  await w.access.configure(w.v.host, 'web01', { approvers: ['adm1'] });
  const req = await w.access.request(w.alice, REF, 'INC-1');
  const view = await w.access.reject(w.adm1, req.id, 'not during the freeze');
  expect(view).toMatchObject({
    state: 'rejected',
    rejectedBy: 'adm1',
    rejectReason: 'not during the freeze',
  });
  const [mine] = await w.access.list(w.alice, { mine: true });
  expect(mine).toMatchObject({
    requester: 'alice',
    rejectedBy: 'adm1',
    rejectReason: 'not during the freeze',
  });
  const note = w.notes.find((n) => n.kind === 'decision')!;
  expect(note.to).toEqual(['alice']);
  expect(note.subject).toBe(`Your request for ${REF} was rejected by adm1`);
  expect(note.body).toContain('not during the freeze');
});

it('the first of two approvals leaves the request waiting with 1 of 2 approvals, and tells the requester nothing yet', async () => {
  const w = await world();
  await w.access.configure(w.v.host, 'web01', { approvers: ['adm1', 'adm2'], dual: true });
  const req = await w.access.request(w.alice, REF, 'INC-2');
  const first = await w.access.approve(w.adm1, req.id);
  expect(first).toMatchObject({
    state: 'waiting',
    approvals: ['adm1'],
    approvalsNeeded: 2,
    rejectedBy: null,
  });
  expect(w.notes.filter((n) => n.kind === 'decision')).toEqual([]);
  expect(await w.access.approve(w.adm2, req.id)).toMatchObject({ state: 'approved', approvalsNeeded: 2 });
});

it("an account's current request comes before its older ones in the list", async () => {
  const w = await world();
  await w.access.configure(w.v.host, 'web01', { approvers: ['adm1'], exclusiveHours: 1 });
  const old = await w.access.request(w.alice, REF, 'INC-3');
  await w.access.approve(w.adm1, old.id);
  await w.access.checkout(w.alice, REF);
  await w.access.checkin(w.alice, REF);
  w.clock.advance(60_000);
  const current = await w.access.request(w.alice, REF, 'INC-4');
  const forAccount = (await w.access.list(w.adm1)).filter((r) => r.account === REF);
  expect(forAccount.map((r) => [r.id, r.state])).toEqual([
    [current.id, 'waiting'],
    [old.id, 'checked-in'],
  ]);
});
