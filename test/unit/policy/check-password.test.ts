import { describe, expect, it } from 'vitest';
import {
  assertPassword,
  checkPassword,
  type PasswordContext,
  type PasswordPolicy,
  type PolicyRule,
} from '../../../core/policy/index.ts';
import { PolicyError } from '../../../core/errors.ts';
import { Secret } from '../../../core/crypto/secret.ts';
import { basePolicy } from './arbitraries.ts';

const LOGIN = 'jdoe';
const rules = (
  policy: PasswordPolicy,
  password: string,
  ctx: PasswordContext = { loginName: LOGIN },
): PolicyRule[] => checkPassword(policy, Secret.fromString(password), ctx).map((v) => v.rule);

// Each row: the policy, a password breaking exactly that rule, and a close one that passes.
const TABLE: [PolicyRule, Partial<PasswordPolicy>, string, string][] = [
  ['min-length', { minLength: 12 }, 'zqCANARYzq', 'zqCANARYzqzq'],
  ['min-length', { minLength: 3 }, '\u{1F600}\u{1F600}', '\u{1F600}\u{1F600}\u{1F600}'],
  ['max-length', { maxLength: 8 }, 'CANARY-xyz', 'CANARY-x'],
  ['max-length', { maxLength: 3 }, '\u{1F600}\u{1F600}\u{1F600}\u{1F600}', '\u{1F600}\u{1F600}\u{1F600}'],
  ['mixed-case', { mixedCase: true }, 'canary-all-lower', 'Canary-mixed'],
  ['mixed-case', { mixedCase: true }, 'CANARY-ALL-UPPER', 'CANARY-UPPEr'],
  ['mixed-case', { mixedCase: true }, 'CANARY-ÉÀ', 'CANARY-a'],
  ['digits', { minDigits: 2 }, 'CANARY1', 'CANARY12'],
  ['digits', { minDigits: 1 }, 'CANARY\u0663', 'CANARY3'],
  ['special', { requireSpecial: true, minSpecial: 2 }, 'CANARY-x', 'CANARY-x!'],
  ['special', { requireSpecial: true, minSpecial: 0 }, 'CANARYx1', 'CANARY x1'],
  ['special', { minSpecial: 1 }, 'CANARY', 'CANARYé'],
  ['start-alpha', { startWithAlpha: true }, '1CANARY', 'C1ANARY'],
  ['start-alpha', { startWithAlpha: true }, 'éCANARY', 'eCANARY'],
  ['login-name', { allowLoginName: false }, 'CANARY-JDoe-1', 'CANARY-jdo-e'],
];

describe('checkPassword', () => {
  it.each(TABLE)(
    '%s: triggered by a breaking password, not by a passing one (%o)',
    (rule, overrides, bad, good) => {
      const policy = basePolicy(overrides);
      expect(rules(policy, bad)).toEqual([rule]);
      expect(rules(policy, good)).toEqual([]);
    },
  );

  it('reports every broken rule in a stable order', () => {
    const policy = basePolicy({
      minLength: 20,
      mixedCase: true,
      minDigits: 1,
      requireSpecial: true,
      startWithAlpha: true,
      allowLoginName: false,
    });
    expect(rules(policy, '_jdoe')).toEqual([
      'min-length',
      'mixed-case',
      'digits',
      'start-alpha',
      'login-name',
    ]);
  });

  it('allows the login name when the policy allows it, and ignores an empty or missing one', () => {
    expect(rules(basePolicy({ allowLoginName: true }), 'xx-jdoe-xx')).toEqual([]);
    const strict = basePolicy({ allowLoginName: false });
    expect(rules(strict, 'anything', { loginName: '' })).toEqual([]);
    expect(checkPassword(strict, Secret.fromString('anything'), {})).toEqual([]);
  });

  it('never puts the password or any part of it into a message', () => {
    const canary = 'CANARY-7f3a9c';
    const policy = basePolicy({
      minLength: 64,
      mixedCase: true,
      minDigits: 40,
      minSpecial: 30,
      startWithAlpha: true,
      allowLoginName: false,
      historyCount: 1,
    });
    const password = Secret.fromString(`9${canary}`.toUpperCase());
    const violations = checkPassword(policy, password, { loginName: 'canary', history: [password] });
    expect(violations.map((v) => v.rule)).toEqual([
      'min-length',
      'mixed-case',
      'digits',
      'special',
      'start-alpha',
      'login-name',
      'reused',
    ]);
    for (const { message } of violations) {
      expect(message).not.toMatch(/canary|7f3a9c/i);
      expect(message).toMatch(/^must /);
    }
  });

  it('uses human messages with the policy numbers', () => {
    const messages = checkPassword(basePolicy({ minLength: 12, minDigits: 1 }), Secret.fromString('abc')).map(
      (v) => v.message,
    );
    expect(messages).toEqual(['must be at least 12 characters', 'must contain at least 1 digit']);
  });
});

describe('password history', () => {
  const history = ['newest', 'second', 'third', 'fourth'].map((s) => Secret.fromString(s));

  it.each([
    [0, 'newest', false],
    [1, 'newest', true],
    [1, 'second', false],
    [3, 'third', true],
    [3, 'fourth', false],
    [5, 'fourth', true],
    [5, 'never-used', false],
  ] as const)('historyCount %i: reusing %s is blocked = %s', (historyCount, password, blocked) => {
    const found = rules(basePolicy({ historyCount }), password, { loginName: LOGIN, history });
    expect(found).toEqual(blocked ? ['reused'] : []);
  });

  it('treats a missing history as empty', () => {
    expect(rules(basePolicy({ historyCount: 5 }), 'newest')).toEqual([]);
  });
});

describe('assertPassword', () => {
  const policy = basePolicy({ name: 'Medium', minLength: 12, mixedCase: true, minDigits: 1 });

  it('returns quietly for a compliant password', () => {
    expect(() => assertPassword(policy, Secret.fromString('Compliant-pw-1'), {})).not.toThrow();
  });

  it('throws E_POLICY naming every rule it breaks, and listing their codes', () => {
    let error: unknown;
    try {
      assertPassword(policy, Secret.fromString('CANARY'), {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const e = error as PolicyError;
    expect(e.code).toBe('E_POLICY');
    expect(e.message).toBe(
      "password does not satisfy policy 'Medium': must be at least 12 characters; " +
        'must contain both upper-case and lower-case letters; must contain at least 1 digit',
    );
    expect(e.details).toEqual({ policy: 'Medium', rules: ['min-length', 'mixed-case', 'digits'] });
    expect(JSON.stringify(e)).not.toContain('CANARY');
  });

  it('a refusal names all seven rules a password can break at once', () => {
    const strict = basePolicy({
      name: 'Strict',
      minLength: 30,
      mixedCase: true,
      minDigits: 2,
      requireSpecial: true,
      minSpecial: 2,
      startWithAlpha: true,
      allowLoginName: false,
      historyCount: 3,
    });
    const password = Secret.fromString('1jdoe');
    let message = '';
    try {
      assertPassword(strict, password, { loginName: LOGIN, history: [Secret.fromString('1jdoe')] });
    } catch (e) {
      message = (e as PolicyError).message;
      expect((e as PolicyError).details.rules).toEqual([
        'min-length',
        'mixed-case',
        'digits',
        'special',
        'start-alpha',
        'login-name',
        'reused',
      ]);
    }
    expect(message.split(': ')[1]!.split('; ')).toEqual([
      'must be at least 30 characters',
      'must contain both upper-case and lower-case letters',
      'must contain at least 2 digits',
      'must contain at least 2 special characters (not a letter or digit)',
      'must start with a letter',
      'must not contain the login name',
      'must not reuse any of the last 3 passwords',
    ]);
  });
});
