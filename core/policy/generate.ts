import { randomInt } from 'node:crypto';
import { PolicyError } from '../errors.ts';
import { Secret } from '../crypto/secret.ts';
import { DIGITS, GENERATOR_SPECIALS, LOWER, UPPER, isLetter } from './char-classes.ts';
import { checkPassword } from './validate.ts';
import {
  requiredCharacters,
  requiredSpecials,
  validatePolicyDefinition,
  type PasswordPolicy,
} from './policy.ts';

/** Long enough to be unguessable, short enough for targets that cap length around 20-32. */
const PREFERRED_LENGTH = 20;
const MAX_ATTEMPTS = 100;

// randomInt is the CSPRNG and draws without modulo bias; Math.random is neither.
function pick(alphabet: string): string {
  return alphabet.charAt(randomInt(alphabet.length));
}

function swap(chars: string[], i: number, j: number): void {
  const a = chars[i];
  const b = chars[j];
  if (a === undefined || b === undefined) throw new RangeError('swap index out of range');
  chars[i] = b;
  chars[j] = a;
}

// Required characters are pushed first; without a shuffle the classes would sit at fixed positions.
function shuffle(chars: string[]): void {
  for (let i = chars.length - 1; i > 0; i--) swap(chars, i, randomInt(i + 1));
}

/**
 * Dropping one character of the login name (both cases) from every alphabet makes it impossible
 * for the password to contain the name, instead of hoping rejection sampling gets lucky: a
 * one-letter name would otherwise show up in almost every 256-character password. The cost is
 * under 0.02 bits per character. Names with no character from our alphabets can never match.
 */
function bannedCharacter(policy: PasswordPolicy, loginName: string | undefined): string | undefined {
  if (policy.allowLoginName || loginName === undefined) return undefined;
  const candidates = LOWER + DIGITS + GENERATOR_SPECIALS;
  return [...loginName.toLowerCase()].find((ch) => candidates.includes(ch));
}

function without(alphabet: string, banned: string | undefined): string {
  if (banned === undefined) return alphabet;
  return [...alphabet].filter((ch) => ch.toLowerCase() !== banned).join('');
}

function candidate(policy: PasswordPolicy, banned: string | undefined): string {
  const lower = without(LOWER, banned);
  const upper = without(UPPER, banned);
  const digits = without(DIGITS, banned);
  const specials = without(GENERATOR_SPECIALS, banned);
  const specialCount = requiredSpecials(policy);
  // The preferred length unless the policy forces a longer or shorter one, and never shorter
  // than the characters it requires (possible when minDigits alone exceeds 20).
  const length = Math.max(
    policy.minLength,
    Math.min(policy.maxLength, PREFERRED_LENGTH),
    requiredCharacters(policy),
  );

  const chars: string[] = [];
  if (policy.mixedCase) chars.push(pick(lower), pick(upper));
  else if (policy.startWithAlpha) chars.push(pick(lower + upper));
  for (let i = 0; i < policy.minDigits; i++) chars.push(pick(digits));
  for (let i = 0; i < specialCount; i++) chars.push(pick(specials));
  // Specials only where demanded: plenty of targets reject them, and letters+digits are safe everywhere.
  const fill = lower + upper + digits + (specialCount > 0 ? specials : '');
  while (chars.length < length) chars.push(pick(fill));

  shuffle(chars);
  if (policy.startWithAlpha && !isLetter(chars[0] ?? '')) {
    const letterAt = chars.flatMap((ch, i) => (isLetter(ch) ? [i] : []));
    const target = letterAt[randomInt(letterAt.length)];
    if (target !== undefined) swap(chars, 0, target);
  }
  return chars.join('');
}

/**
 * A random password that satisfies `policy` (and avoids `ctx.loginName` when the policy forbids
 * it). Throws ValidationError for an impossible policy definition.
 */
export function generatePassword(policy: PasswordPolicy, ctx: { loginName?: string } = {}): Secret {
  const p = validatePolicyDefinition(policy);
  const banned = bannedCharacter(p, ctx.loginName);
  // Construction already guarantees compliance; re-checking means a future change to the checker
  // or the generator fails loudly here rather than handing out a non-compliant password.
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const password = Secret.fromString(candidate(p, banned));
    if (checkPassword(p, password, { loginName: ctx.loginName }).length === 0) return password;
    password.wipe();
  }
  throw new PolicyError(`could not generate a password for policy '${p.name}'`, {
    policy: p.name,
    attempts: MAX_ATTEMPTS,
  });
}
