import { z } from 'zod';

/**
 * The [rotation] table: verification and scheduled password rotation.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const rotationSection = z
  .strictObject({
    // Remote logins in flight at once during bulk verification and scheduled rotation.
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(4)
      .describe('Remote logins in flight at once for `custody verify --all`, the nightly run and rotations.'),
    // Nightly verification of every account against its target (UTC time of day).
    verify_nightly: z
      .boolean()
      .default(true)
      .describe('Run the nightly verification of every account against its target in `custody server`.'),
    verify_at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (UTC)' })
      .default('02:30')
      .describe('Time of day of the nightly verification, HH:MM UTC.'),
    // How often `custody server` looks for due rotations, pre-notifications and the nightly run.
    check_every_seconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(60)
      .describe('How often `custody server` looks for due rotations, pre-notifications and the nightly run.'),
  })
  .prefault({})
  .describe('Verification and scheduled rotation.');
