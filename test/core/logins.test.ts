// Gateway login rules in core, with an injected clock: lockout per user and per source, expiry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, LockedError, ManualClock, userStatusText } from '../../core/index.ts';
import { verifyLoginPassword } from '../../core/crypto/password-hash.ts';
import { LoginService } from '../../core/identity/login-service.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

describe('login lockout', () => {
  let v: TestVault;
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  beforeEach(async () => {
    v = await createTestVault({
      clock,
      extraConfig: { security: { lockout_attempts: 3, lockout_source_attempts: 5, lockout_minutes: 10 } },
    });
    await v.addUser('ann', 'password-user');
    await v.addUser('ben', 'password-user');
  });
  afterEach(async () => v.close());

  it('locks the user name after 3 failures, for 10 minutes, then lets the right password in', async () => {
    for (let i = 0; i < 3; i++)
      await expect(v.core.logins.password('ann', pw('nope'), '10.0.0.1')).rejects.toBeInstanceOf(AuthError);
    await expect(v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.2')).rejects.toBeInstanceOf(
      LockedError,
    );
    clock.advance(9 * 60_000);
    await expect(v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.2')).rejects.toBeInstanceOf(
      LockedError,
    );
    clock.advance(61_000);
    expect((await v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.2')).user.username).toBe('ann');
  });

  it('locks a source address after 5 failures across user names, unknown ones included', async () => {
    for (const u of ['ann', 'ben', 'nobody', 'ann', 'ghost']) {
      await expect(v.core.logins.password(u, pw('nope'), '10.9.9.9')).rejects.toBeInstanceOf(AuthError);
    }
    await expect(v.core.logins.password('ben', pw(USER_PASSWORD), '10.9.9.9')).rejects.toBeInstanceOf(
      LockedError,
    );
    expect((await v.core.logins.password('ben', pw(USER_PASSWORD), '10.9.9.8')).user.username).toBe('ben');
    const rows = await v.core.audit.query(v.host, { type: 'user.lockout' });
    expect(rows.map((r) => r.targetName)).toEqual(['10.9.9.9']);
  });

  it('a success resets the count', async () => {
    for (let i = 0; i < 2; i++)
      await expect(v.core.logins.password('ann', pw('nope'), '10.0.0.1')).rejects.toBeInstanceOf(AuthError);
    await v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.1');
    for (let i = 0; i < 2; i++)
      await expect(v.core.logins.password('ann', pw('nope'), '10.0.0.1')).rejects.toBeInstanceOf(AuthError);
    expect((await v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.1')).user.username).toBe('ann');
  });

  it('a success from an address does not reset its failure count', async () => {
    for (const u of ['nobody', 'ghost', 'ann', 'root'])
      await expect(v.core.logins.password(u, pw('nope'), '10.7.7.7')).rejects.toBeInstanceOf(AuthError);
    // The attacker's own valid account, from the same address.
    expect((await v.core.logins.password('ben', pw(USER_PASSWORD), '10.7.7.7')).user.username).toBe('ben');
    await expect(v.core.logins.password('admin', pw('nope'), '10.7.7.7')).rejects.toBeInstanceOf(AuthError);
    await expect(v.core.logins.password('ben', pw(USER_PASSWORD), '10.7.7.7')).rejects.toBeInstanceOf(
      LockedError,
    );
    // The window slides: ten minutes after the lock the address may try again.
    clock.advance(10 * 60_000 + 1000);
    expect((await v.core.logins.password('ben', pw(USER_PASSWORD), '10.7.7.7')).user.username).toBe('ben');
  });
});

describe('login timing', () => {
  let v: TestVault;
  afterEach(async () => v.close());

  it('verifies a hash once per password login, for unknown and inactive users too (counting verifier)', async () => {
    v = await createTestVault();
    await v.addUser('ann', 'password-user');
    await v.addUser('old', 'password-user');
    await v.core.users.update(v.host, 'old', { status: 'inactive' });
    let calls = 0;
    const logins = new LoginService(contextOf(v.core), async (hash, password) => {
      calls++;
      return verifyLoginPassword(hash, password);
    });
    const count = async (name: string, password: string) => {
      calls = 0;
      await logins.password(name, pw(password), '10.1.1.1').catch(() => undefined);
      return calls;
    };
    expect(await count('ann', 'wrong-password')).toBe(1);
    expect(await count('nobody', 'wrong-password')).toBe(1);
    expect(await count('old', USER_PASSWORD)).toBe(1);
    expect(await count('ann', USER_PASSWORD)).toBe(1);
  });
});

describe('attempts while locked', () => {
  let v: TestVault;
  afterEach(async () => v.close());

  it('audits a login with the right password that is refused because the user is locked', async () => {
    v = await createTestVault({ extraConfig: { security: { lockout_attempts: 2 } } });
    await v.addUser('ann', 'password-user');
    for (let i = 0; i < 2; i++)
      await v.core.logins.password('ann', pw('nope'), '10.0.0.1').catch(() => undefined);
    await expect(v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.1')).rejects.toBeInstanceOf(
      LockedError,
    );
    const rows = await v.core.audit.query(v.host, { type: 'user.login', actor: 'ann' });
    expect(rows).toHaveLength(3);
    expect(rows.filter((r) => r.details.includes('"refused":"locked"'))).toHaveLength(1);
  });
});

describe('seeing and lifting a lockout', () => {
  let v: TestVault;
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  afterEach(async () => v.close());

  it('lists a locked user as locked until HH:MM and lets an administrator unlock it, audited', async () => {
    v = await createTestVault({
      clock,
      extraConfig: { security: { lockout_attempts: 2, lockout_minutes: 10 } },
    });
    const ann = await v.addUser('ann', 'password-user');
    for (let i = 0; i < 2; i++)
      await v.core.logins.password('ann', pw('nope'), '10.0.0.1').catch(() => undefined);
    const listed = (await v.core.users.list(v.host)).find((u) => u.username === 'ann')!;
    expect(listed.lockedUntil).toBe('2026-06-01T10:10:00.000Z');
    expect(userStatusText(listed)).toBe('locked until 10:10 UTC');
    expect(userStatusText((await v.core.users.list(v.host)).find((u) => u.username === 'admin')!)).toBe(
      'active',
    );
    await expect(v.core.logins.unlock(ann, 'ann')).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    expect(await v.core.logins.unlock(v.host, 'ann')).toEqual({
      user: 'ann',
      wasLockedUntil: '2026-06-01T10:10:00.000Z',
    });
    expect((await v.core.users.list(v.host)).find((u) => u.username === 'ann')!.lockedUntil).toBeUndefined();
    expect((await v.core.logins.password('ann', pw(USER_PASSWORD), '10.0.0.1')).user.username).toBe('ann');
    const rows = await v.core.audit.query(v.host, { type: 'user.unlock' });
    expect(rows.map((r) => [r.targetName, r.result])).toEqual([['ann', 'success']]);
  });
});
