import { z } from 'zod';

/**
 * The [gateway] table: sessions through the gateway, and the front door before login.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const gatewaySection = z
  .strictObject({
    node_name: z
      .string()
      .min(1)
      .max(100)
      .default('node-1')
      .describe('Name of this node in live-session listings.'),
    // The front door's algorithm lists (empty: the built-in modern choice; see docs/security.md).
    // ssh2 refuses a name it does not implement when the server starts.
    ssh_kex: z
      .array(z.string().min(1).max(100))
      .max(30)
      .default([])
      .describe(
        "The front door's key exchanges, most preferred first. Empty: the built-in modern choice (curve25519, MODP 4096–8192 with SHA-512).",
      ),
    ssh_ciphers: z
      .array(z.string().min(1).max(100))
      .max(30)
      .default([])
      .describe(
        "The front door's ciphers, most preferred first. Empty: chacha20-poly1305, AES-GCM, AES-CTR.",
      ),
    ssh_macs: z
      .array(z.string().min(1).max(100))
      .max(30)
      .default([])
      .describe("The front door's MACs, most preferred first. Empty: encrypt-then-MAC SHA-2."),
    recording_failure: z
      .enum(['strict', 'best-effort'])
      .default('strict')
      .describe(
        'When writing a recording fails: `strict` ends the session with a message (and shows output only once recorded), `best-effort` warns the operator once and carries on.',
      ),
    idle_timeout_minutes: z
      .number()
      .int()
      .min(0)
      .max(10_080)
      .default(30)
      .describe(
        "A session with no input or output for this long is ended (0 = never); on an RDP desktop only the operator's input counts, since a desktop redraws with nobody at it.",
      ),
    max_session_hours: z
      .number()
      .min(0)
      .max(168)
      .default(12)
      .describe('No session lasts longer than this (0 = unlimited).'),
    connect_timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(15)
      .describe('Budget for reaching a target through its landing servers and logging in.'),
    // Before authentication (docs/security.md), so that unauthenticated clients cannot exhaust
    // the node: connections not yet logged in, per source address and overall; how long one may
    // take to log in; login password hashing.
    max_preauth_per_source: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(10)
      .describe(
        'Connections not yet logged in from one source address; one more is closed at once (logged once a minute per address).',
      ),
    max_preauth: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(200)
      .describe('Connections not yet logged in, overall; one more is closed at once.'),
    login_grace_time: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe('Seconds a connection has to log in (password, then TOTP) before it is closed.'),
    hash_concurrency: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(0)
      .describe('Login password hashes (Argon2) computed at once; 0 = automatic (CPU count − 1, at most 3).'),
    hash_queue_max: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(64)
      .describe('Logins waiting for a hash, overall; beyond it the answer is "try again".'),
    hash_queue_per_source: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(4)
      .describe('Logins waiting for a hash, per source address.'),
  })
  .prefault({})
  .describe('Sessions through the gateway, and the front door before login.');
