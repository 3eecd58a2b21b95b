// The access-control workflow (request, approval, exclusive check-out, check-in): every transition and
// every timeout with a manual clock, exclusivity, dual approval, enforcement on reveal and on
// session authorisation, and the end of live sessions when a check-out ends.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccessService,
  ManualClock,
  type AccessNotification,
  type Actor,
  type LiveSessionInfo,
} from '../../core/index.ts';
import { liveInfo } from '../support/live.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const HOUR = 3_600_000;
const REF = 'web01/root';

interface World {
  v: TestVault;
  clock: ManualClock;
  alice: Actor;
  bob: Actor;
  carol: Actor;
  adm1: Actor;
  adm2: Actor;
}

let v: TestVault | undefined;
afterEach(async () => {
  await v?.close();
  v = undefined;
});

async function world(start = '2026-03-02T10:00:00Z'): Promise<World> {
  const clock = new ManualClock(start);
  v = await createTestVault({ clock });
  const alice = await v.addUser('alice', 'password-user');
  const bob = await v.addUser('bob', 'password-user');
  const carol = await v.addUser('carol', 'password-user');
  const adm1 = await v.addUser('adm1', 'admin');
  const adm2 = await v.addUser('adm2', 'admin');
  await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
  await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
  for (const name of ['alice', 'bob', 'carol', 'adm1', 'adm2'])
    await v.core.sharing.grant(v.host, { kind: 'resource', name: 'web01' }, { kind: 'user', name }, 'view');
  return { v, clock, alice, bob, carol, adm1, adm2 };
}

async function auditTypes(w: World): Promise<string[]> {
  const rows = await w.v.core.audit.query(w.v.host, { target: REF, limit: 1000 });
  return rows.map((r) => r.type);
}

const denied = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

/** A live session whose terminate messages land in `ended` as `id: reason`. */
async function fakeLive(w: { v: TestVault }, id: string, over: Partial<LiveSessionInfo>, ended: string[]) {
  await w.v.core.live.registry.register(liveInfo({ id, ...over }), {
    screen: () => Buffer.alloc(0),
    control: (m) => void ended.push(`${id}: ${m.reason}`),
  });
}

describe('access control workflow (fake clock)', () => {
  it('request → approved (yet to use) → checked out (in use) → checked in, each step audited', async () => {
    const w = await world();
    const cfg = await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1', 'adm2'] });
    expect(cfg).toMatchObject({ active: true, exclusiveHours: 8, dual: false, approvers: ['adm1', 'adm2'] });

    const req = await w.v.core.access.request(w.alice, REF, 'INC-1');
    expect(req.state).toBe('waiting');
    expect(await denied(w.v.core.access.checkout(w.alice, REF))).toBe('E_FORBIDDEN');

    const ok = await w.v.core.access.approve(w.adm1, req.id);
    expect(ok.state).toBe('approved');
    const out = await w.v.core.access.checkout(w.alice, REF);
    expect(out.state).toBe('checked-out');
    expect(out.expiresAt).toBe('2026-03-02T18:00:00.000Z');
    expect(await w.v.core.access.isCheckedOut((await accountId(w))!)).toBe(true);

    const back = await w.v.core.access.checkin(w.alice, REF);
    expect(back.state).toBe('checked-in');
    expect(await w.v.core.access.isCheckedOut((await accountId(w))!)).toBe(false);
    // Back to "Request": a new use needs a new request.
    expect(await denied(w.v.core.access.checkout(w.alice, REF))).toBe('E_FORBIDDEN');

    expect(await auditTypes(w)).toEqual(
      expect.arrayContaining(['access.request', 'access.approve', 'access.checkout', 'access.checkin']),
    );
  });

  it('a rejected request is void and cannot be checked out', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'] });
    const req = await w.v.core.access.request(w.alice, REF, 'INC-2');
    const r = await w.v.core.access.reject(w.adm1, req.id, 'not now');
    expect(r.state).toBe('rejected');
    expect(await denied(w.v.core.access.checkout(w.alice, REF))).toBe('E_FORBIDDEN');
    expect(await denied(w.v.core.access.approve(w.adm1, req.id))).toBe('E_CONFLICT');
    expect(await auditTypes(w)).toContain('access.reject');
  });

  it('an unapproved request becomes void after the configured hours (scheduler tick)', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], voidAfterHours: 2 });
    const req = await w.v.core.access.request(w.alice, REF, 'INC-3');
    w.clock.advance(2 * HOUR - 1000);
    expect(await w.v.core.accessScheduler.tick()).toEqual({ voided: 0, expired: 0 });
    w.clock.advance(1000);
    expect(await w.v.core.accessScheduler.tick()).toEqual({ voided: 1, expired: 0 });
    expect(await denied(w.v.core.access.approve(w.adm1, req.id))).toBe('E_CONFLICT');
    const [mine] = await w.v.core.access.list(w.alice, { mine: true });
    expect(mine).toMatchObject({ id: req.id, state: 'expired', endedHow: 'void' });
    expect(await auditTypes(w)).toContain('access.request-void');
  });

  it('a check-out expires after the exclusive hours; reveal is refused from the expiry instant', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], exclusiveHours: 2 });
    const req = await w.v.core.access.request(w.alice, REF, 'INC-4');
    await w.v.core.access.approve(w.adm1, req.id);
    await w.v.core.access.checkout(w.alice, REF);
    w.clock.advance(2 * HOUR - 1000);
    expect((await w.v.core.accounts.reveal(w.alice, REF)).reveal()).toBe(GOOD);
    w.clock.advance(1000);
    // Before the scheduler runs, the expired hold already grants nothing.
    expect(await denied(w.v.core.accounts.reveal(w.alice, REF))).toBe('E_FORBIDDEN');
    expect(await w.v.core.accessScheduler.tick()).toEqual({ voided: 0, expired: 1 });
    const [mine] = await w.v.core.access.list(w.alice, { mine: true });
    expect(mine).toMatchObject({ state: 'expired', endedHow: 'expired' });
    expect(await auditTypes(w)).toContain('access.checkout-expired');
  });

  it('exclusive hours 0 means unlimited', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], exclusiveHours: 0 });
    await w.v.core.access.approve(w.adm1, (await w.v.core.access.request(w.alice, REF, 'x')).id);
    const out = await w.v.core.access.checkout(w.alice, REF);
    expect(out.expiresAt).toBeNull();
    w.clock.advance(10_000 * HOUR);
    expect(await w.v.core.accessScheduler.tick()).toEqual({ voided: 0, expired: 0 });
    expect((await w.v.core.accounts.reveal(w.alice, REF)).reveal()).toBe(GOOD);
  });

  it('automatic approval: always, or only inside the daily window; authorisers are still notified', async () => {
    const w = await world('2026-03-02T14:30:00Z');
    const notes: AccessNotification[] = [];
    const access = new AccessService(contextOf(w.v.core), w.v.core.live, {
      notify: async (n) => void notes.push(n),
    });
    await access.configure(w.v.host, 'web01', { approvers: ['adm1'], autoApprove: '14:00-15:00' });
    const inside = await access.request(w.alice, REF, 'in window');
    expect(inside.state).toBe('approved');
    expect(notes.map((n) => [n.kind, n.to])).toEqual([['request', ['adm1']]]);
    w.clock.set('2026-03-02T15:00:00Z');
    expect((await access.request(w.bob, REF, 'outside')).state).toBe('waiting');
    await access.configure(w.v.host, 'web01', { approvers: ['adm1'], autoApprove: 'always' });
    expect((await access.request(w.carol, REF, 'always')).state).toBe('approved');
    expect(await auditTypes(w)).toContain('access.auto-approve');
  });

  it('decisions are notified to the requester', async () => {
    const w = await world();
    const notes: AccessNotification[] = [];
    const access = new AccessService(contextOf(w.v.core), w.v.core.live, {
      notify: async (n) => void notes.push(n),
    });
    await access.configure(w.v.host, 'web01', { approvers: ['adm1'] });
    await access.approve(w.adm1, (await access.request(w.alice, REF, 'a')).id);
    await access.reject(w.adm1, (await access.request(w.bob, REF, 'b')).id, 'no');
    expect(notes.filter((n) => n.kind === 'decision').map((n) => n.to)).toEqual([['alice'], ['bob']]);
  });

  it('dual approval needs two distinct administrators; the requester can never approve', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1', 'adm2'], dual: true });
    const req = await w.v.core.access.request(w.adm1, REF, 'INC-5');
    // The requester is an authoriser, yet may not approve their own request.
    expect(await denied(w.v.core.access.approve(w.adm1, req.id))).toBe('E_FORBIDDEN');
    const once = await w.v.core.access.approve(w.adm2, req.id);
    expect(once.state).toBe('waiting');
    expect(await denied(w.v.core.access.approve(w.adm2, req.id))).toBe('E_CONFLICT');
    expect(await denied(w.v.core.access.checkout(w.adm1, REF))).toBe('E_FORBIDDEN');

    const req2 = await w.v.core.access.request(w.alice, REF, 'INC-6');
    await w.v.core.access.approve(w.adm1, req2.id);
    expect((await w.v.core.access.approve(w.adm2, req2.id)).state).toBe('approved');
    // A user who is not an authoriser is refused too.
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1', 'admin'], dual: true });
    const req3 = await w.v.core.access.request(w.bob, REF, 'INC-7');
    expect(await denied(w.v.core.access.approve(w.adm2, req3.id))).toBe('E_FORBIDDEN');
    expect(
      await denied(w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], dual: true })),
    ).toBe('E_VALIDATION');
  });

  it('one holder at a time, owners and administrators included; further requests queue', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1', 'adm2'] });
    await w.v.core.access.approve(w.adm1, (await w.v.core.access.request(w.alice, REF, 'a')).id);
    await w.v.core.access.approve(w.adm1, (await w.v.core.access.request(w.adm2, REF, 'b')).id);
    await w.v.core.access.checkout(w.alice, REF);
    const e = await w.v.core.access.checkout(w.adm2, REF).catch((x: unknown) => x as Error);
    expect((e as unknown as { code: string }).code).toBe('E_CONFLICT');
    expect((e as Error).message).toMatch(/checked out by another user until 2026-03-02T18:00:00.000Z/);
    expect(await denied(w.v.core.accounts.reveal(w.adm2, REF))).toBe('E_FORBIDDEN');
    expect(await denied(w.v.core.accounts.reveal(w.v.host, REF))).toBe('E_FORBIDDEN');
    await w.v.core.access.checkin(w.alice, REF);
    expect((await w.v.core.access.checkout(w.adm2, REF)).state).toBe('checked-out');
  });

  it('administrators may view while a password user holds it, only with the general setting', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], autoApprove: 'always' });
    await w.v.core.access.request(w.alice, REF, 'a');
    await w.v.core.access.checkout(w.alice, REF);
    expect(await denied(w.v.core.accounts.reveal(w.adm2, REF))).toBe('E_FORBIDDEN');
    await w.v.core.access.setGeneral(w.v.host, { adminsMayView: true });
    expect((await w.v.core.accounts.reveal(w.adm2, REF)).reveal()).toBe(GOOD);
    expect(await denied(w.v.core.accounts.reveal(w.bob, REF))).toBe('E_FORBIDDEN');
    // Viewing is not a session: the gateway still needs a check-out.
    expect(await denied(w.v.core.sessions.authorize(w.adm2, REF))).toBe('E_FORBIDDEN');
  });

  it('reveal and session authorisation: refused before check-out, allowed during, refused after check-in', async () => {
    const w = await world();
    expect((await w.v.core.accounts.reveal(w.alice, REF)).reveal()).toBe(GOOD);
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'] });
    const before = await w.v.core.accounts.reveal(w.alice, REF).catch((e: Error) => e);
    expect((before as Error).message).toMatch(/under access control: request it first/);
    expect(await denied(w.v.core.sessions.authorize(w.alice, REF))).toBe('E_FORBIDDEN');

    await w.v.core.access.approve(w.adm1, (await w.v.core.access.request(w.alice, REF, 'INC-8')).id);
    expect(await denied(w.v.core.accounts.reveal(w.alice, REF))).toBe('E_FORBIDDEN');
    await w.v.core.access.checkout(w.alice, REF);
    expect((await w.v.core.accounts.reveal(w.alice, REF)).reveal()).toBe(GOOD);
    expect((await w.v.core.sessions.authorize(w.alice, REF)).target.ref).toBe(REF);

    await w.v.core.access.checkin(w.alice, REF);
    expect(await denied(w.v.core.accounts.reveal(w.alice, REF))).toBe('E_FORBIDDEN');
    expect(await denied(w.v.core.sessions.authorize(w.alice, REF))).toBe('E_FORBIDDEN');
    expect(await auditTypes(w)).toContain('authz.denied');
  });

  it('excluded users need no request; deactivating lifts access control', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], excluded: ['carol'] });
    expect((await w.v.core.accounts.reveal(w.carol, REF)).reveal()).toBe(GOOD);
    expect(await denied(w.v.core.access.request(w.carol, REF, 'x'))).toBe('E_VALIDATION');
    expect(await denied(w.v.core.accounts.reveal(w.bob, REF))).toBe('E_FORBIDDEN');
    await w.v.core.access.setActive(w.v.host, 'web01', false);
    expect((await w.v.core.accounts.reveal(w.bob, REF)).reveal()).toBe(GOOD);
    const rows = await w.v.core.audit.query(w.v.host, { target: 'web01', limit: 1000 });
    expect(rows.map((r) => r.type)).toEqual(
      expect.arrayContaining(['access.configure', 'access.deactivate']),
    );
  });

  it('a forced check-in ends the holder’s live sessions with a one-line message', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], autoApprove: 'always' });
    await w.v.core.access.request(w.alice, REF, 'a');
    const out = await w.v.core.access.checkout(w.alice, REF);
    const ended: string[] = [];
    // Only the sessions of this check-out end: not the holder's others (same account under an
    // earlier check-out, another account), not another user's, matched by request id.
    await fakeLive(w, 's1', { user: 'alice', target: REF, requestId: out.id }, ended);
    await fakeLive(w, 's2', { user: 'carol', target: REF, requestId: 'req-carol' }, ended);
    await fakeLive(w, 's3', { user: 'alice', target: 'web02/root', requestId: null }, ended);
    await fakeLive(w, 's4', { user: 'alice', target: REF, requestId: 'req-earlier' }, ended);
    expect(await denied(w.v.core.access.checkin(w.bob, REF, { force: true }))).toBe('E_FORBIDDEN');
    await w.v.core.access.checkin(w.adm1, REF, { force: true });
    expect(ended).toEqual(['s1: checked in: web01/root was checked in by adm1']);
    expect(await auditTypes(w)).toEqual(
      expect.arrayContaining(['access.force-checkin', 'access.session-ended']),
    );
    expect(await denied(w.v.core.accounts.reveal(w.alice, REF))).toBe('E_FORBIDDEN');
  });

  it('expiry ends live sessions too', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', {
      approvers: ['adm1'],
      autoApprove: 'always',
      exclusiveHours: 1,
    });
    await w.v.core.access.request(w.alice, REF, 'a');
    const out = await w.v.core.access.checkout(w.alice, REF);
    const ended: string[] = [];
    await fakeLive(w, 's1', { user: 'alice', target: REF, requestId: out.id }, ended);
    w.clock.advance(HOUR);
    await w.v.core.accessScheduler.tick();
    expect(ended).toEqual(['s1: checked in: the exclusive use of web01/root has expired']);
  });

  it('"ending the session checks the password in"', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', {
      approvers: ['adm1'],
      autoApprove: 'always',
      checkinOnSessionEnd: true,
    });
    await w.v.core.access.request(w.alice, REF, 'a');
    await w.v.core.access.checkout(w.alice, REF);
    const grant = await w.v.core.sessions.authorize(w.alice, REF);
    await w.v.core.sessions.record(grant, 'session.end', { bytes: 0 });
    const [mine] = await w.v.core.access.list(w.alice, { mine: true });
    expect(mine).toMatchObject({ state: 'checked-in' });
  });

  it('reset on check-in without remote reset: no reset, the approvers are notified, the audit says why (Case 6)', async () => {
    const w = await world();
    const notes: AccessNotification[] = [];
    const access = new AccessService(contextOf(w.v.core), w.v.core.live, {
      notify: async (n) => void notes.push(n),
    });
    await access.configure(w.v.host, 'web01', { approvers: ['adm1', 'adm2'], resetOnCheckin: true });
    await access.approve(w.adm2, (await access.request(w.alice, REF, 'a')).id);
    await access.checkout(w.alice, REF);
    await access.checkin(w.alice, REF);
    expect(notes.filter((n) => n.kind === 'reset-skipped').map((n) => n.to)).toEqual([['adm2']]);
    const rows = await w.v.core.audit.query(w.v.host, { type: 'access.reset-skipped' });
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ reason: expect.stringMatching(/not available/) });

    // With a reset service that can reset, it is called and audited.
    const calls: string[] = [];
    const withReset = new AccessService(contextOf(w.v.core), w.v.core.live, undefined, {
      canReset: () => true,
      reset: async (account) => void calls.push(account.name),
    });
    await withReset.approve(w.adm1, (await withReset.request(w.bob, REF, 'b')).id);
    await withReset.checkout(w.bob, REF);
    await withReset.checkin(w.bob, REF);
    expect(calls).toEqual(['root']);
    const resets = await w.v.core.audit.query(w.v.host, { type: 'access.reset' });
    expect(resets.filter((r) => r.type === 'access.reset')).toHaveLength(1);
  });

  it('a restart in the middle of a check-out keeps it, and its expiry still ends it', async () => {
    const w = await world();
    await w.v.core.access.configure(w.v.host, 'web01', { approvers: ['adm1'], exclusiveHours: 3 });
    await w.v.core.access.approve(w.adm1, (await w.v.core.access.request(w.alice, REF, 'a')).id);
    await w.v.core.access.checkout(w.alice, REF);
    w.clock.advance(HOUR);
    await w.v.reopen();
    expect((await w.v.core.accounts.reveal(w.alice, REF)).reveal()).toBe(GOOD);
    expect(await denied(w.v.core.accounts.reveal(w.bob, REF))).toBe('E_FORBIDDEN');
    w.clock.advance(2 * HOUR);
    expect(await w.v.core.accessScheduler.tick()).toEqual({ voided: 0, expired: 1 });
    expect(await denied(w.v.core.accounts.reveal(w.alice, REF))).toBe('E_FORBIDDEN');
  });
});

async function accountId(w: World): Promise<string | undefined> {
  return contextOf(w.v.core).store.read(
    async (r) => (await r.accounts.byName((await r.resources.byName('web01'))!.id, 'root'))?.id,
  );
}
