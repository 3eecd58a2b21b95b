import { z } from 'zod';

/**
 * The [audit] table: who reads the audit trail.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const auditSection = z
  .strictObject({
    password_admins_read_audit: z
      .boolean()
      .default(false)
      .describe(
        'Whether password administrators may read the audit trail (off: only administrators and auditors; the guide leaves it open).',
      ),
  })
  .prefault({})
  .describe('Who reads the audit trail.');
