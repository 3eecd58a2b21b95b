import { PolicyError } from '../errors.ts';
import type { Secret } from '../crypto/secret.ts';
import { isDigit, isLetter, isLower, isUpper, isSpecial } from './char-classes.ts';
import { requiredSpecials, type PasswordPolicy } from './policy.ts';

export type PolicyRule =
  'min-length' | 'max-length' | 'mixed-case' | 'digits' | 'special' | 'start-alpha' | 'login-name' | 'reused';

/** `message` is shown to users and may be logged: it never contains the password. */
export type PolicyViolation = { rule: PolicyRule; message: string };

export type PasswordContext = {
  loginName?: string;
  /** Previous passwords, newest first. */
  history?: readonly Secret[];
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Case-insensitive, locale-independent. An empty login name never matches: otherwise every
 * password would "contain" it.
 */
export function containsLoginName(password: string, loginName: string | undefined): boolean {
  if (loginName === undefined || loginName === '') return false;
  return password.toLowerCase().includes(loginName.toLowerCase());
}

function isReused(policy: PasswordPolicy, password: Secret, history: readonly Secret[]): boolean {
  let reused = false;
  // No early exit: how long the check takes should not tell which history entry matched.
  for (const previous of history.slice(0, policy.historyCount)) {
    reused = previous.equals(password) || reused;
  }
  return reused;
}

/** Every rule the password breaks, in a stable order; empty when it complies. */
export function checkPassword(
  policy: PasswordPolicy,
  password: Secret,
  ctx: PasswordContext = {},
): PolicyViolation[] {
  const plain = password.reveal();
  const chars = [...plain];
  const violations: PolicyViolation[] = [];
  const fail = (rule: PolicyRule, message: string): void => {
    violations.push({ rule, message });
  };

  if (chars.length < policy.minLength) {
    fail('min-length', `must be at least ${plural(policy.minLength, 'character')}`);
  }
  if (chars.length > policy.maxLength) {
    fail('max-length', `must be at most ${plural(policy.maxLength, 'character')}`);
  }
  if (policy.mixedCase && !(chars.some(isUpper) && chars.some(isLower))) {
    fail('mixed-case', 'must contain both upper-case and lower-case letters');
  }
  const digits = chars.filter(isDigit).length;
  if (digits < policy.minDigits) {
    fail('digits', `must contain at least ${plural(policy.minDigits, 'digit')}`);
  }
  const specials = requiredSpecials(policy);
  if (chars.filter(isSpecial).length < specials) {
    fail('special', `must contain at least ${plural(specials, 'special character')} (not a letter or digit)`);
  }
  if (policy.startWithAlpha && !(chars[0] !== undefined && isLetter(chars[0]))) {
    fail('start-alpha', 'must start with a letter');
  }
  if (!policy.allowLoginName && containsLoginName(plain, ctx.loginName)) {
    fail('login-name', 'must not contain the login name');
  }
  if (isReused(policy, password, ctx.history ?? [])) {
    fail('reused', `must not reuse any of the last ${plural(policy.historyCount, 'password')}`);
  }
  return violations;
}

/**
 * Throws PolicyError (E_POLICY) naming every broken rule, in checkPassword's order, so one refusal
 * says all that the password lacks (no fixing one rule only to meet the next); details list the
 * rule codes.
 */
export function assertPassword(policy: PasswordPolicy, password: Secret, ctx: PasswordContext = {}): void {
  const violations = checkPassword(policy, password, ctx);
  if (violations.length === 0) return;
  const summary = violations.map((v) => v.message).join('; ');
  throw new PolicyError(`password does not satisfy policy '${policy.name}': ${summary}`, {
    policy: policy.name,
    rules: violations.map((v) => v.rule),
  });
}
