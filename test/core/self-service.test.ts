// Self-service login password change: old password required, a wrong one counts toward
// lockout, inactive accounts refused, the login policy (and the quality exit) enforced, and the
// combined rules available with a clear error when policies contradict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_POLICIES,
  combinePolicies,
  Core,
  CustodyError,
  type Actor,
  type PasswordPolicy,
} from '../../core/index.ts';
import { createTestVault, pw, refresh, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const NEW = 'Nw4#Self$Serve!Pass9z';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof CustodyError ? `${e.code}: ${e.message}` : String(e)),
  );

describe('self-service password change', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault({ extraConfig: { security: { lockout_attempts: 3 } } });
  }, 60_000);
  afterAll(async () => v?.close());

  it('changes the password with the right old one; the new one logs in, the old one no longer does', async () => {
    const a = await v.addUser('ann', 'password-user');
    expect(await code(v.core.selfService.changeOwnPassword(a, pw(USER_PASSWORD), pw(NEW)))).toBe('ok');
    expect(await code(v.core.users.authenticate('ann', pw(NEW), 't'))).toBe('ok');
    expect(await code(v.core.users.authenticate('ann', pw(USER_PASSWORD), 't'))).toMatch(/E_AUTH/);
    const rows = await v.core.audit.query(v.host, { limit: 10_000 });
    expect(rows.some((r) => r.type === 'user.password-self-change' && r.actor === 'ann')).toBe(true);
  });

  it('a wrong old password is refused and counts toward lockout', async () => {
    const b = await v.addUser('bea', 'password-user');
    for (let i = 0; i < 3; i++) {
      expect(await code(v.core.selfService.changeOwnPassword(b, pw('wrong-old'), pw(NEW)))).toBe(
        'E_AUTH: the old password is wrong',
      );
    }
    // Locked now: even the right old password is refused, and so is a gateway login.
    expect(await code(v.core.selfService.changeOwnPassword(b, pw(USER_PASSWORD), pw(NEW)))).toMatch(
      /^E_LOCKED/,
    );
    expect(await code(v.core.logins.password('bea', pw(USER_PASSWORD), 'test'))).toMatch(/^E_LOCKED/);
    const rows = await v.core.audit.query(v.host, { limit: 10_000 });
    expect(rows.some((r) => r.type === 'user.lockout' && r.actor === 'bea')).toBe(true);
  });

  it('an inactive account is refused', async () => {
    const c = await v.addUser('cid', 'password-user');
    await v.core.users.update(v.host, 'cid', { status: 'inactive' });
    // The authorizer refuses an actor known to be inactive; a session opened before the account
    // was disabled is caught by the fresh read of the user.
    expect(
      await code(v.core.selfService.changeOwnPassword(await refresh(v, c), pw(USER_PASSWORD), pw(NEW))),
    ).toBe("E_FORBIDDEN: user 'cid' is inactive");
    expect(await code(v.core.selfService.changeOwnPassword(c, pw(USER_PASSWORD), pw(NEW)))).toBe(
      'E_AUTH: account is not active: ask an administrator',
    );
  });

  it('enforces the login policy, and the new password must differ from the old', async () => {
    const d = await v.addUser('dan', 'password-user');
    expect(await code(v.core.selfService.changeOwnPassword(d, pw(USER_PASSWORD), pw('short')))).toMatch(
      /^E_POLICY: password does not satisfy policy 'Medium'/,
    );
    expect(
      await code(v.core.selfService.changeOwnPassword(d, pw(USER_PASSWORD), pw('Dan#has-dan-in-it-9X'))),
    ).toMatch(/must not contain the login name/);
    expect(await code(v.core.selfService.changeOwnPassword(d, pw(USER_PASSWORD), pw(USER_PASSWORD)))).toBe(
      'E_POLICY: the new password must differ from the old one',
    );
  });

  it('consults the password-quality exit too', async () => {
    const e = await v.addUser('eve', 'password-user');
    const core = new Core({
      ...contextOf(v.core).deps,
      qualityExit: { check: async () => ({ outcome: 'deny', message: 'seen in a breach' }) },
    });
    expect(await code(core.selfService.changeOwnPassword(e, pw(USER_PASSWORD), pw(NEW)))).toBe(
      'E_POLICY: password rejected by the quality check: seen in a breach',
    );
  });

  it('returns the combined rules for the user', async () => {
    const f = await v.addUser('fay', 'auditor');
    const r = await v.core.selfService.passwordRules(f);
    expect(r).toMatchObject({
      policies: ['Medium'],
      minLength: 12,
      maxLength: 64,
      mixedCase: true,
      minDigits: 1,
      minSpecial: 1,
      qualityExit: false,
    });
  });
});

describe('combinePolicies', () => {
  const medium = BUILTIN_POLICIES.find((p) => p.name === 'Medium')!;
  const strong = BUILTIN_POLICIES.find((p) => p.name === 'Strong')!;
  const custom = (o: Partial<PasswordPolicy>): PasswordPolicy => ({
    ...medium,
    id: 'c',
    name: 'Short',
    builtin: false,
    ...o,
  });

  it('takes the strictest value of every rule', () => {
    const r = combinePolicies([medium, strong]);
    expect(r).toMatchObject({
      minLength: 16,
      maxLength: 64,
      minDigits: 2,
      minSpecial: 2,
      startWithAlpha: true,
      historyCount: 5,
      maxAgeDays: 90,
    });
  });

  it('names the policies when their lengths contradict', () => {
    expect(() => combinePolicies([strong, custom({ maxLength: 10, minLength: 8 })])).toThrow(
      "password policies 'Strong' and 'Short' contradict each other: 'Strong' needs at least 16 characters but 'Short' allows at most 10",
    );
  });

  it('names the policies when their required characters cannot fit', () => {
    expect(() =>
      combinePolicies([
        custom({ minLength: 4, maxLength: 6, minDigits: 3 }),
        custom({ name: 'Specials', minLength: 4, minSpecial: 3 }),
      ]),
    ).toThrow(
      /contradict each other: together they require 8 letters, digits and specials but 'Short' allows at most 6/,
    );
  });
});

describe('self-service as an actor of every role', () => {
  it('works for admins as well (own password only)', async () => {
    const v = await createTestVault();
    try {
      const a: Actor = await v.addUser('root2', 'admin', { superAdmin: true });
      expect(await code(v.core.selfService.changeOwnPassword(a, pw(USER_PASSWORD), pw(NEW)))).toBe('ok');
    } finally {
      await v.close();
    }
  });
});
