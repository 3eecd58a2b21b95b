import { z } from 'zod';
import { nonEmptyPath } from './primitives.ts';

/**
 * The [recordings] table: session recordings and their retention.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const recordingsSection = z
  .strictObject({
    dir: nonEmptyPath
      .default('recordings')
      .describe(
        'Folder of the session recordings (one encrypted, signed `.rec` file per session under `YYYY/MM/`).',
      ),
    search_index: z
      .boolean()
      .default(true)
      .describe(
        'Index what sessions showed and typed for `recordings search`; the index is plaintext inside the database (not under the recordings folder).',
      ),
    retention_days: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .default(0)
      .describe('Recordings older than this many days are purged daily (held ones never); 0 keeps all.'),
  })
  .prefault({})
  .describe('Session recordings.');
