import { z } from 'zod';

/**
 * The [wallboard] table: the operations wallboard.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const wallboardSection = z
  .strictObject({
    refresh_seconds: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(5)
      .describe(
        'How often the operations wallboard reads the bastion when nothing commits (it also refreshes as soon as a change commits, at most once a second).',
      ),
  })
  .prefault({})
  .describe('The operations wallboard (`ssh USER:wallboard@bastion`, `custody wallboard`).');
