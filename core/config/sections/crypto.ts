import { z } from 'zod';
import { nonEmptyPath } from './primitives.ts';

/**
 * The [crypto] table: the keys that seal every secret.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const cryptoSection = z
  .strictObject({
    key_file: nonEmptyPath
      .default('keys/custody.key')
      .describe(
        'The key file (master keys and the audit key). It must live outside the data folder, checked by real path at every open, so a copy of the database or of a backup is never enough to read a secret.',
      ),
    rotate_batch_size: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('Secrets re-encrypted per transaction by `custody key rotate`.'),
  })
  .prefault({})
  .describe('The keys that seal every secret.');
