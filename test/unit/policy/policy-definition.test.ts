import { describe, expect, it } from 'vitest';
import { validatePolicyDefinition, type PasswordPolicy } from '../../../core/policy/index.ts';
import { ValidationError } from '../../../core/errors.ts';
import { basePolicy } from './arbitraries.ts';

function rejection(overrides: Partial<PasswordPolicy>): ValidationError {
  try {
    validatePolicyDefinition(basePolicy(overrides));
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('validatePolicyDefinition', () => {
  it.each([
    ['minLength below 1', { minLength: 0 }, 'minLength'],
    ['maxLength above 256', { maxLength: 257 }, 'maxLength'],
    ['maxLength below minLength', { minLength: 12, maxLength: 11 }, 'maxLength'],
    ['negative minLength', { minLength: -1 }, 'minLength'],
    ['negative minDigits', { minDigits: -1 }, 'minDigits'],
    ['negative minSpecial', { minSpecial: -1 }, 'minSpecial'],
    ['negative historyCount', { historyCount: -1 }, 'historyCount'],
    ['negative maxAgeDays', { maxAgeDays: -1 }, 'maxAgeDays'],
    ['fractional minDigits', { minDigits: 1.5 }, 'minDigits'],
    ['NaN maxLength', { maxLength: Number.NaN }, 'maxLength'],
    ['empty id', { id: '' }, 'id'],
    ['blank name', { name: '  ' }, 'name'],
    [
      'mixed case + digits + specials over maxLength',
      { maxLength: 4, mixedCase: true, minDigits: 2, requireSpecial: true, minSpecial: 1 },
      'maxLength',
    ],
    ['digits alone over maxLength', { maxLength: 8, minDigits: 9 }, 'maxLength'],
    ['mixed case in one character', { minLength: 1, maxLength: 1, mixedCase: true }, 'maxLength'],
    [
      'start with a letter leaves no room',
      { maxLength: 2, minDigits: 1, minSpecial: 1, startWithAlpha: true },
      'maxLength',
    ],
  ] satisfies [string, Partial<PasswordPolicy>, string][])('rejects %s (field %s)', (_, overrides, field) => {
    const e = rejection(overrides);
    expect(e.code).toBe('E_VALIDATION');
    expect(e.details.field).toBe(field);
  });

  it('accepts a definition that exactly fits', () => {
    const p = basePolicy({
      minLength: 5,
      maxLength: 5,
      mixedCase: true,
      minDigits: 2,
      requireSpecial: true,
      minSpecial: 1,
    });
    expect(validatePolicyDefinition(p)).toEqual(p);
  });

  it('reads requireSpecial without a count as at least one special', () => {
    const p = validatePolicyDefinition(basePolicy({ requireSpecial: true, minSpecial: 0 }));
    expect(p).toMatchObject({ requireSpecial: true, minSpecial: 1 });
  });

  it('turns requireSpecial on when only minSpecial is set', () => {
    const p = validatePolicyDefinition(basePolicy({ requireSpecial: false, minSpecial: 3 }));
    expect(p).toMatchObject({ requireSpecial: true, minSpecial: 3 });
  });

  it('counts the normalised special when checking fit', () => {
    expect(
      rejection({ maxLength: 2, mixedCase: true, requireSpecial: true, minSpecial: 0 }).details.field,
    ).toBe('maxLength');
  });

  it('does not modify its input', () => {
    const p = Object.freeze(basePolicy({ requireSpecial: true, minSpecial: 0 }));
    validatePolicyDefinition(p);
    expect(p.minSpecial).toBe(0);
  });
});
