import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BUILTIN_POLICIES,
  checkPassword,
  generatePassword,
  requiredCharacters,
  validatePolicyDefinition,
  type PasswordPolicy,
} from '../../../core/policy/index.ts';
import { ValidationError } from '../../../core/errors.ts';
import { basePolicy, loginName, validPolicy } from './arbitraries.ts';

const builtin = (name: string): PasswordPolicy => {
  const p = BUILTIN_POLICIES.find((b) => b.name === name);
  if (!p) throw new Error(`no built-in ${name}`);
  return p;
};

const SAFE = /^[A-Za-z0-9!#$%&()*+,\-./:;<=>?@[\]^_{|}~]+$/;

describe('generatePassword', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('always satisfies checkPassword for arbitrary valid policies and login names', () => {
    fc.assert(
      fc.property(validPolicy, loginName, (policy, name) => {
        const required = requiredCharacters(validatePolicyDefinition(policy));
        const password = generatePassword(policy, { loginName: name });
        expect(checkPassword(policy, password, { loginName: name })).toEqual([]);
        const plain = password.reveal();
        expect(plain).toMatch(SAFE);
        expect([...plain]).toHaveLength(Math.max(policy.minLength, Math.min(policy.maxLength, 20), required));
      }),
      { numRuns: 1000 },
    );
  });

  it('is 20 characters unless the policy forces otherwise', () => {
    expect(generatePassword(basePolicy({ minLength: 8, maxLength: 64 })).reveal()).toHaveLength(20);
    expect(generatePassword(basePolicy({ minLength: 8, maxLength: 12 })).reveal()).toHaveLength(12);
    expect(generatePassword(basePolicy({ minLength: 32, maxLength: 64 })).reveal()).toHaveLength(32);
    expect(
      generatePassword(basePolicy({ minLength: 8, maxLength: 64, minDigits: 30 })).reveal(),
    ).toHaveLength(30);
  });

  it('uses specials only when the policy demands them', () => {
    for (let i = 0; i < 200; i++) {
      expect(generatePassword(builtin('Low')).reveal()).toMatch(/^[A-Za-z0-9]{20}$/);
    }
  });

  it('avoids even a one-character login name in the longest passwords', () => {
    const policy = basePolicy({ minLength: 256, maxLength: 256, allowLoginName: false, minSpecial: 1 });
    for (const name of ['a', 'Z', '7', '!', '\u212A']) {
      const password = generatePassword(policy, { loginName: name });
      expect(checkPassword(policy, password, { loginName: name })).toEqual([]);
    }
  });

  it('produces 1,000 distinct Strong passwords', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++)
      seen.add(generatePassword(builtin('Strong'), { loginName: 'admin' }).reveal());
    expect(seen.size).toBe(1000);
  });

  it('never uses Math.random', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random is not a CSPRNG');
    });
    for (const policy of BUILTIN_POLICIES) expect(() => generatePassword(policy)).not.toThrow();
  });

  it('refuses an impossible policy instead of looping', () => {
    expect(() => generatePassword(basePolicy({ maxLength: 3, mixedCase: true, minDigits: 2 }))).toThrow(
      ValidationError,
    );
  });

  it('returns a Secret that does not print its value', () => {
    const password = generatePassword(builtin('Medium'));
    expect(`${password}`).toBe('<secret>');
    expect(JSON.stringify({ password })).toBe('{"password":"<secret>"}');
  });
});
