import type { PasswordPolicy } from './policy.ts';

/**
 * The three built-in policies. The reference product names them but gives no numbers, so these are
 * ours; test/unit/policy/builtin.test.ts pins them so that changing one is a conscious act.
 *
 * | policy | min | max | mixed case | digits | specials | start alpha | login name | history | max age |
 * |--------|----:|----:|:----------:|-------:|---------:|:-----------:|:----------:|--------:|--------:|
 * | Low    |   8 |  64 |     no     |      0 |        0 |     no      |  allowed   |       0 |   never |
 * | Medium |  12 |  64 |    yes     |      1 |        1 |     no      | forbidden  |       3 |   never |
 * | Strong |  16 | 128 |    yes     |      2 |        2 |     yes     | forbidden  |       5 | 90 days |
 */

const LOW: PasswordPolicy = Object.freeze({
  id: 'builtin-low',
  name: 'Low',
  description: 'At least 8 characters; no composition rules. For targets that cannot take more.',
  builtin: true,
  minLength: 8,
  maxLength: 64,
  mixedCase: false,
  minDigits: 0,
  requireSpecial: false,
  minSpecial: 0,
  startWithAlpha: false,
  allowLoginName: true,
  historyCount: 0,
  maxAgeDays: 0,
});

const MEDIUM: PasswordPolicy = Object.freeze({
  id: 'builtin-medium',
  name: 'Medium',
  description:
    'At least 12 characters with mixed case, a digit and a special; no login name; last 3 not reused.',
  builtin: true,
  minLength: 12,
  maxLength: 64,
  mixedCase: true,
  minDigits: 1,
  requireSpecial: true,
  minSpecial: 1,
  startWithAlpha: false,
  allowLoginName: false,
  historyCount: 3,
  maxAgeDays: 0,
});

const STRONG: PasswordPolicy = Object.freeze({
  id: 'builtin-strong',
  name: 'Strong',
  description:
    'At least 16 characters with mixed case, 2 digits and 2 specials, starting with a letter; ' +
    'no login name; last 5 not reused; expires after 90 days.',
  builtin: true,
  minLength: 16,
  maxLength: 128,
  mixedCase: true,
  minDigits: 2,
  requireSpecial: true,
  minSpecial: 2,
  startWithAlpha: true,
  allowLoginName: false,
  historyCount: 5,
  maxAgeDays: 90,
});

export const BUILTIN_POLICIES: readonly PasswordPolicy[] = Object.freeze([LOW, MEDIUM, STRONG]);
