import { z } from 'zod';

/**
 * The [security] table: login password hashing and lockout.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const securitySection = z
  .strictObject({
    kdf_memory_kib: z
      .number()
      .int()
      .min(1024)
      .max(4_194_304)
      .default(65536)
      .describe('Argon2id memory cost for login passwords, in KiB.'),
    kdf_time_cost: z.number().int().min(1).max(50).default(3).describe('Argon2id time cost (iterations).'),
    kdf_parallelism: z.number().int().min(1).max(16).default(1).describe('Argon2id parallelism (lanes).'),
    login_password_policy: z
      .string()
      .min(1)
      .default('Medium')
      .describe('The password policy login passwords must satisfy (a built-in or custom policy name).'),
    lockout_attempts: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('Failed logins in a row that lock a user name for `lockout_minutes`.'),
    lockout_source_attempts: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(20)
      .describe(
        'Failed logins within `lockout_minutes` that lock a source address (higher: one address may serve many people, e.g. behind NAT).',
      ),
    lockout_minutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .default(15)
      .describe('How long a lockout lasts, and the window in which an address’s failures are counted.'),
  })
  .prefault({})
  .describe('Login password hashing and lockout.');
