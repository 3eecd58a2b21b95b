// The actor-bound facade: `core.as(actor)` runs every operation as that actor (the audit trail
// names them), `can` answers as the authorizer would without calling or auditing anything, and
// nothing reachable from a Core or a bound facade leads to the context, the store or the keyring.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS, type Actor, type ActorCore, type Operation } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';

describe('core.as(actor)', () => {
  let v: TestVault;
  let bob: Actor;
  let auditor: Actor;
  let me: ActorCore;

  beforeAll(async () => {
    v = await createTestVault();
    bob = await v.addUser('bob', 'password-user');
    auditor = await v.addUser('aud', 'auditor');
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
    await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
    await v.core.accounts.add(v.host, 'web01', 'hidden', pw(GOOD));
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: 'web01/root' },
      { kind: 'user', name: 'bob' },
      'view',
    );
    me = v.core.as(bob);
  }, 60_000);
  afterAll(async () => {
    await v?.close();
  });

  const deniedRows = async () =>
    (await v.core.audit.query(v.host, { type: 'authz.denied', limit: 1000 })).length;

  it('runs an operation as the bound actor: the password comes back and the audit row names bob', async () => {
    expect((await me.accounts.reveal('web01/root')).reveal()).toBe(GOOD);
    const [row] = await v.core.audit.query(v.host, { type: 'password.access', limit: 1 });
    expect(row?.actor).toBe('bob');
    expect(row?.targetName).toBe('web01/root');
  });

  it('still lets core refuse what the actor may not do', async () => {
    await expect(me.users.list()).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    await expect(me.accounts.reveal('web01/hidden')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('offers only actor operations, and the compiler checks their arguments', () => {
    // Which members are operations is the type's decision (typecheck runs these lines).
    // @ts-expect-error the actor is bound: passing it again is a type error
    void (() => me.accounts.reveal(bob, 'web01/root'));
    // @ts-expect-error a system operation: opening a recording needs a grant, not an actor
    void (() => me.recordings.open);
    // @ts-expect-error a field, not an operation
    void (() => me.live.registry);
  });

  it('answers can(op) by role exactly as the authorizer does, for every operation', () => {
    const authz = contextOf(v.core).authz;
    for (const op of Object.keys(OPERATIONS) as Operation[]) {
      for (const actor of [bob, auditor, v.host]) {
        expect(v.core.as(actor).can(op), `${actor.name} ${op}`).toBe(authz.allows(actor, op));
      }
    }
    expect(me.can('account.view')).toBe(true);
    expect(me.can('user.list')).toBe(false);
    expect(v.core.as(auditor).can('audit.read')).toBe(true);
  });

  it('answers can(op, object) from the privilege held on it, without auditing a denial', async () => {
    const before = await deniedRows();
    const root = { kind: 'account', ref: 'web01/root' } as const;
    expect(await me.can('account.reveal', root)).toBe(true);
    // A view share does not let bob change the password or read its history.
    expect(await me.can('account.change-password', root)).toBe(false);
    expect(await me.can('account.history', root)).toBe(false);
    expect(await v.core.as(v.host).can('account.change-password', root)).toBe(true);
    expect(await deniedRows()).toBe(before);
  });

  it('gives one answer for an object the actor may not see and one that does not exist', async () => {
    const hidden = await me.can('account.reveal', { kind: 'account', ref: 'web01/hidden' });
    const missing = await me.can('account.reveal', { kind: 'account', ref: 'nosuch/root' });
    const malformed = await me.can('account.reveal', { kind: 'account', ref: 'no-slash' });
    expect([hidden, missing, malformed]).toEqual([false, false, false]);
    expect(await me.can('resource.view', { kind: 'resource', name: 'web01' })).toBe(false);
    expect(await me.can('resource-group.view', { kind: 'group', ref: 'nosuch' })).toBe(false);
  });

  it('leaves the context, the store and the keyring out of reach of a Core and of a bound facade', () => {
    const core = v.core as unknown as Record<string, unknown>;
    for (const name of ['ctx', 'store', 'keyring', 'deps']) {
      expect(core[name], name).toBeUndefined();
      expect(Object.keys(v.core)).not.toContain(name);
      expect((me as unknown as Record<string, unknown>)[name], name).toBeUndefined();
      expect((me.accounts as unknown as Record<string, unknown>)[name], name).toBeUndefined();
    }
    // A bound service is a view of its operations: no field of the service shows through it.
    expect(Object.keys(me.accounts)).toEqual([]);
    expect(Object.keys(v.core.system.signIn).sort()).toEqual([
      'assertNotLocked',
      'fail',
      'password',
      'publicKeyAccepted',
      'publicKeyFor',
      'totp',
    ]);
  });
});
