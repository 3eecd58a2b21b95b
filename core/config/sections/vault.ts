import { z } from 'zod';

/**
 * The [vault] table: revealing, copying and checking vaulted passwords.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const vaultSection = z
  .strictObject({
    enforce_policy_on_add: z
      .boolean()
      .default(true)
      .describe("Check account passwords against the resource's policy when accounts are added or imported."),
    reveal_seconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(10)
      .describe('Seconds a password revealed in the console stays on screen.'),
    clipboard_clear_seconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(30)
      .describe("Seconds after a copy (OSC 52) before the console overwrites the operator's clipboard."),
    require_reason_to_reveal: z
      .boolean()
      .default(false)
      .describe('Ask for a reason before revealing a password.'),
    default_password_policy: z
      .string()
      .min(1)
      .default('Strong')
      .describe('The policy used when a resource has none of its own and no group sets one.'),
  })
  .prefault({})
  .describe('Revealing, copying and checking vaulted passwords.');
