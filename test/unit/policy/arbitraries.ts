import fc from 'fast-check';
import type { PasswordPolicy } from '../../../core/policy/index.ts';

export function basePolicy(overrides: Partial<PasswordPolicy> = {}): PasswordPolicy {
  return {
    id: 'custom-test',
    name: 'Test',
    description: '',
    builtin: false,
    minLength: 1,
    maxLength: 256,
    mixedCase: false,
    minDigits: 0,
    requireSpecial: false,
    minSpecial: 0,
    startWithAlpha: false,
    allowLoginName: true,
    historyCount: 0,
    maxAgeDays: 0,
    ...overrides,
  };
}

/**
 * Valid definitions by construction: counts are drawn from the room left by maxLength, so every
 * corner (maxLength 1, all digits, minLength == maxLength == required) is reachable.
 */
export const validPolicy: fc.Arbitrary<PasswordPolicy> = fc
  .record({
    maxLength: fc.integer({ min: 1, max: 256 }),
    minRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    mixedCase: fc.boolean(),
    startWithAlpha: fc.boolean(),
    requireSpecial: fc.boolean(),
    digitRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    specialRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    allowLoginName: fc.boolean(),
    historyCount: fc.integer({ min: 0, max: 24 }),
    maxAgeDays: fc.integer({ min: 0, max: 365 }),
  })
  .map((r) => {
    const mixedCase = r.mixedCase && r.maxLength >= 2;
    let room = r.maxLength - (mixedCase ? 2 : r.startWithAlpha ? 1 : 0);
    const minDigits = Math.floor(room * r.digitRatio * r.digitRatio);
    room -= minDigits;
    const requireSpecial = r.requireSpecial && room >= 1;
    const minSpecial = requireSpecial ? Math.max(1, Math.floor(room * r.specialRatio * r.specialRatio)) : 0;
    return basePolicy({
      minLength: Math.max(1, Math.round(r.maxLength * r.minRatio)),
      maxLength: r.maxLength,
      mixedCase,
      minDigits,
      requireSpecial,
      minSpecial,
      startWithAlpha: r.startWithAlpha,
      allowLoginName: r.allowLoginName,
      historyCount: r.historyCount,
      maxAgeDays: r.maxAgeDays,
    });
  });

const generatorChars = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~',
];

/** Mostly short names built from characters the generator emits, since only those can collide. */
export const loginName: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: fc.constantFrom(...generatorChars), minLength: 1, maxLength: 3 }),
  fc.string({ unit: fc.constantFrom('a', 'A', '1', '!'), minLength: 1, maxLength: 2 }),
  fc.constantFrom('\u212A', 'root', 'Administrator', 'é'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
