import { ValidationError } from '../errors.ts';

/** A password policy. Built-ins live in builtin.ts; custom ones go through validatePolicyDefinition. */
export type PasswordPolicy = {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
  /** Counted in Unicode code points, not UTF-16 units. */
  readonly minLength: number;
  readonly maxLength: number;
  /** At least one ASCII upper-case AND one ASCII lower-case letter. */
  readonly mixedCase: boolean;
  readonly minDigits: number;
  readonly requireSpecial: boolean;
  readonly minSpecial: number;
  readonly startWithAlpha: boolean;
  /** false = the password may not contain the login/account name (case-insensitive). */
  readonly allowLoginName: boolean;
  /** How many previous passwords may not be reused. */
  readonly historyCount: number;
  /** 0 = never expires. */
  readonly maxAgeDays: number;
};

/** Longest password we accept; beyond this targets truncate silently, which is worse than refusing. */
export const MAX_PASSWORD_LENGTH = 256;

const COUNT_FIELDS = [
  'minLength',
  'maxLength',
  'minDigits',
  'minSpecial',
  'historyCount',
  'maxAgeDays',
] as const;

/**
 * Specials the policy really demands. `requireSpecial` and `minSpecial` are two knobs for one rule,
 * so either one switches it on and "required" always means at least one: the stricter reading
 * wins, because a half-set definition should never silently weaken the policy.
 */
export function requiredSpecials(p: PasswordPolicy): number {
  return p.requireSpecial || p.minSpecial > 0 ? Math.max(1, p.minSpecial) : 0;
}

/**
 * Letters the policy forces: two for mixed case, which also covers startWithAlpha; otherwise one
 * when the password must start with a letter.
 */
export function requiredLetters(p: PasswordPolicy): number {
  if (p.mixedCase) return 2;
  return p.startWithAlpha ? 1 : 0;
}

/** Characters every compliant password must hold, whatever its length. */
export function requiredCharacters(p: PasswordPolicy): number {
  return requiredLetters(p) + p.minDigits + requiredSpecials(p);
}

function reject(field: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new ValidationError(`invalid password policy: ${message}`, { field, ...extra });
}

/**
 * Rejects definitions no password could satisfy, so the failure shows up when an admin saves the
 * policy instead of when a rotation job cannot produce a password at 3 a.m. Returns a normalised
 * copy (requireSpecial and minSpecial made consistent); the input is not modified.
 */
export function validatePolicyDefinition(p: PasswordPolicy): PasswordPolicy {
  if (typeof p.id !== 'string' || p.id.trim() === '') reject('id', 'id must not be empty');
  if (typeof p.name !== 'string' || p.name.trim() === '') reject('name', 'name must not be empty');
  for (const field of COUNT_FIELDS) {
    const value = p[field];
    if (!Number.isInteger(value)) reject(field, `${field} must be an integer`);
    if (value < 0) reject(field, `${field} must not be negative`);
  }
  if (p.minLength < 1) reject('minLength', 'minLength must be at least 1');
  if (p.maxLength > MAX_PASSWORD_LENGTH) {
    reject('maxLength', `maxLength must be at most ${MAX_PASSWORD_LENGTH}`);
  }
  if (p.maxLength < p.minLength) reject('maxLength', 'maxLength must not be less than minLength');

  const normalised: PasswordPolicy = {
    ...p,
    requireSpecial: requiredSpecials(p) > 0,
    minSpecial: requiredSpecials(p),
  };
  const required = requiredCharacters(normalised);
  if (required > normalised.maxLength) {
    reject(
      'maxLength',
      `the required character classes need ${required} characters but maxLength is ${normalised.maxLength}`,
      { required },
    );
  }
  return normalised;
}
