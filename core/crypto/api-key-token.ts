import { createHash, randomBytes } from 'node:crypto';
import { Secret } from './secret.ts';

/** Every key starts so, which lets secret scanners and a reader of a config file recognise one. */
export const API_KEY_PREFIX = 'cust_';

/** 32 random bytes: 256 bits that nobody guesses, whatever the rate of tries. */
const KEY_BYTES = 32;

/** A new API key: the prefix and 32 random bytes, base64url (no padding, safe in a header). */
export function newApiKey(): Secret {
  return Secret.fromString(API_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url'));
}

/**
 * What is stored and looked up for a key: its SHA-256, hex.
 *
 * A fast hash is right here and argon2 is right for login passwords because of what an attacker
 * with the database can try. A person's password comes from a small space, so each guess must
 * be made expensive (argon2, tuned memory and time). An API key is 256 random bits: no guess is
 * cheaper than another, so brute force fails at any hash speed, and the only work a slow hash
 * would add is the server's own on every API request (and a cheap way to load it from outside).
 * SHA-256 is preimage-resistant, so the stored hash gives the key to no one.
 */
export function apiKeyHash(key: Secret): string {
  return createHash('sha256').update(key.revealBytes()).digest('hex');
}

/**
 * Whether a presented value has the shape of a key (prefix, 43 base64url characters): anything
 * else is refused before any lookup, and an oversized header is never hashed.
 */
export function looksLikeApiKey(key: Secret): boolean {
  return /^cust_[A-Za-z0-9_-]{43}$/.test(key.reveal());
}
