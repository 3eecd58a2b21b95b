/**
 * Character classes, one definition shared by the checker and the generator so the two can never
 * disagree about what a "digit" or a "special" is.
 *
 * - letter:  ASCII A-Z and a-z only. Non-ASCII letters (é, ß, Ж) are not letters here: device
 *            prompts and legacy targets often reject or mangle them, and "mixed case" is only
 *            well defined for ASCII.
 * - digit:   ASCII 0-9 only.
 * - special: every other code point, including whitespace and non-ASCII letters.
 */

export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const DIGITS = '0123456789';
/**
 * The generator's specials. Quotes, backslash, backtick and space are left out on purpose: a
 * generated password must survive being pasted into a shell, an SQL literal or a device prompt
 * without escaping. (The checker still counts those characters as specials when a human picks them.)
 */
export const GENERATOR_SPECIALS = '!#$%&()*+,-./:;<=>?@[]^_{|}~';

export function isLower(ch: string): boolean {
  return ch >= 'a' && ch <= 'z' && ch.length === 1;
}

export function isUpper(ch: string): boolean {
  return ch >= 'A' && ch <= 'Z' && ch.length === 1;
}

export function isLetter(ch: string): boolean {
  return isLower(ch) || isUpper(ch);
}

export function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9' && ch.length === 1;
}

export function isSpecial(ch: string): boolean {
  return !isLetter(ch) && !isDigit(ch);
}
