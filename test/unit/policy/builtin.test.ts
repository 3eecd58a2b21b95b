import { describe, expect, it } from 'vitest';
import { BUILTIN_POLICIES, validatePolicyDefinition } from '../../../core/policy/index.ts';

// Pinned on purpose: changing a built-in changes every account using it, so it must show up here.
const DOCUMENTED = [
  ['builtin-low', 'Low', 8, 64, false, 0, false, 0, false, true, 0, 0],
  ['builtin-medium', 'Medium', 12, 64, true, 1, true, 1, false, false, 3, 0],
  ['builtin-strong', 'Strong', 16, 128, true, 2, true, 2, true, false, 5, 90],
] as const;

describe('built-in policies', () => {
  it('are exactly Low, Medium, Strong in that order', () => {
    expect(BUILTIN_POLICIES.map((p) => p.id)).toEqual(DOCUMENTED.map((d) => d[0]));
  });

  it.each(DOCUMENTED)(
    '%s / %s has the documented numbers',
    (
      id,
      name,
      minLength,
      maxLength,
      mixedCase,
      minDigits,
      requireSpecial,
      minSpecial,
      startWithAlpha,
      allowLoginName,
      historyCount,
      maxAgeDays,
    ) => {
      const p = BUILTIN_POLICIES.find((b) => b.id === id);
      expect(p).toMatchObject({
        id,
        name,
        builtin: true,
        minLength,
        maxLength,
        mixedCase,
        minDigits,
        requireSpecial,
        minSpecial,
        startWithAlpha,
        allowLoginName,
        historyCount,
        maxAgeDays,
      });
      expect(p?.description).not.toBe('');
    },
  );

  it.each(BUILTIN_POLICIES.map((p) => [p.name, p] as const))(
    '%s is a valid, already normalised definition',
    (_, p) => {
      expect(validatePolicyDefinition(p)).toEqual(p);
    },
  );

  it('cannot be modified at runtime', () => {
    expect(Object.isFrozen(BUILTIN_POLICIES)).toBe(true);
    for (const p of BUILTIN_POLICIES) expect(Object.isFrozen(p)).toBe(true);
  });
});
