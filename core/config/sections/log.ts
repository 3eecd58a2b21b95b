import { z } from 'zod';

/**
 * The [log] table: the operation log.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const logSection = z
  .strictObject({
    level: z
      .enum(['debug', 'info', 'warn', 'error'])
      .default('info')
      .describe('The least severe level written to the operation log (`logs/custody.log`, JSON lines).'),
  })
  .prefault({})
  .describe('The operation log.');
