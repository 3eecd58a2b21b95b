// Users, roles, user groups and the super-administrator scope.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, ConflictError, ForbiddenError, PolicyError, ValidationError } from '../../core/index.ts';
import { createTestVault, pw, refresh, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

describe('identity rules', () => {
  let v: TestVault;
  beforeEach(async () => {
    v = await createTestVault();
  });
  afterEach(async () => v.close());

  it('nobody changes their own role or scope', async () => {
    const a = await v.addUser('a1', 'admin', { superAdmin: true });
    await expect(v.core.users.setRole(a, 'a1', 'password-user')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(v.core.users.setScope(a, 'a1', false)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('the all-passwords scope exists only for administrators and password administrators', async () => {
    await expect(
      v.core.users.create(v.host, { username: 'u1', role: 'password-user', superAdmin: true }),
    ).rejects.toBeInstanceOf(ValidationError);
    await v.addUser('u2', 'auditor');
    await expect(v.core.users.setScope(v.host, 'u2', true)).rejects.toBeInstanceOf(ValidationError);
    const pa = await v.addUser('pa', 'password-admin');
    await v.core.users.setScope(v.host, 'pa', true);
    // Demoting to a role without the scope drops it.
    const view = await v.core.users.setRole(v.host, 'pa', 'password-user');
    expect(view.superAdmin).toBe(false);
    expect(pa).toBeDefined();
  });

  it('with creation denied, only a super administrator may create super administrators', async () => {
    const plain = await v.addUser('plain', 'admin');
    const sup = await v.addUser('sup', 'admin', { superAdmin: true });
    await expect(v.core.settings.setSuperAdminCreationDenied(plain, true)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await v.core.settings.setSuperAdminCreationDenied(sup, true);
    await v.addUser('cand', 'admin');
    await expect(v.core.users.setScope(plain, 'cand', true)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      v.core.users.create(plain, { username: 'c2', role: 'admin', superAdmin: true }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await v.core.users.setScope(sup, 'cand', true);
    // Existing super administrators keep their access.
    expect((await refresh(v, sup)).user.superAdmin).toBe(true);
  });

  it('a user who owns resources cannot be deleted until ownership moves; nobody deletes themselves', async () => {
    const pa = await v.addUser('pa', 'password-admin');
    await v.addUser('pb', 'password-admin');
    await v.core.resources.create(pa, { name: 'r1', type: 'linux' });
    await expect(v.core.users.remove(v.host, 'pa')).rejects.toBeInstanceOf(ConflictError);
    await v.core.resources.transfer(pa, 'r1', 'pb');
    await v.core.users.remove(v.host, 'pa');
    const a = await v.addUser('a1', 'admin');
    await expect(v.core.users.remove(a, 'a1')).rejects.toBeInstanceOf(ForbiddenError);
    // The audit trail keeps the deleted user's rows.
    expect((await v.core.audit.query(v.host, { actor: 'pa', limit: 50 })).length).toBeGreaterThan(0);
  });

  it('login passwords follow the login policy and are hashed with Argon2id', async () => {
    await expect(
      v.core.users.create(v.host, { username: 'weak', role: 'auditor', password: pw('short') }),
    ).rejects.toBeInstanceOf(PolicyError);
    await v.addUser('carol', 'auditor');
    const row = await contextOf(v.core).store.read((r) => r.users.byName('carol'));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row!.passwordHash).not.toContain(USER_PASSWORD);
  });

  it('authentication gives one answer for unknown user, wrong password and disabled user', async () => {
    await v.addUser('dave', 'auditor');
    const msgs = await Promise.all([
      v.core.users.authenticate('nobody', pw(USER_PASSWORD), 't').catch((e: Error) => e),
      v.core.users.authenticate('dave', pw('wrong-password'), 't').catch((e: Error) => e),
    ]);
    await v.core.users.update(v.host, 'dave', { status: 'inactive' });
    msgs.push(await v.core.users.authenticate('dave', pw(USER_PASSWORD), 't').catch((e: Error) => e));
    for (const m of msgs) expect(m).toBeInstanceOf(AuthError);
    expect(new Set(msgs.map((m) => (m as Error).message)).size).toBe(1);
  });

  it('user group settings: personal passwords can be switched off; restrictive wins', async () => {
    const u = await v.addUser('erin', 'password-user');
    await v.core.personal.add(u, { title: 'mail', password: pw('my-own-mail-pw') });
    await v.core.userGroups.create(v.host, 'open');
    await v.core.userGroups.create(v.host, 'locked', '', { allowPersonal: false });
    await v.core.userGroups.addMember(v.host, 'open', 'erin');
    expect(await v.core.personal.list(u)).toHaveLength(1);
    await v.core.userGroups.addMember(v.host, 'locked', 'erin');
    await expect(v.core.personal.list(u)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('personal passwords are visible only to their owner, even to a super administrator', async () => {
    const u = await v.addUser('frank', 'password-user');
    await v.core.personal.add(u, { title: 'bank', password: pw('frank-bank-pw') });
    expect((await v.core.personal.reveal(u, 'bank')).reveal()).toBe('frank-bank-pw');
    expect(await v.core.personal.list(v.host)).toHaveLength(0);
    await expect(v.core.personal.reveal(v.host, 'bank')).rejects.toThrow(/not found/);
  });
});
