import { z } from 'zod';
import { nonEmptyPath } from './primitives.ts';

/**
 * The [storage] table: which database keeps the vault, the audit trail and every other record.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const storageSection = z
  .strictObject({
    driver: z
      .enum(['sqlite', 'postgres'])
      .default('sqlite')
      .describe('`sqlite` (embedded, nothing else to run) or `postgres` (cluster mode).'),
    sqlite_file: nonEmptyPath.default('data/custody.sqlite').describe('The SQLite database file (WAL mode).'),
    postgres_url: z
      .string()
      .default('')
      .refine((v) => v === '' || /^postgres(ql)?:\/\/[^:@/]+(@|\/|$)|^postgres(ql)?:\/\/[^@]*$/.test(v), {
        message: 'must be a postgres:// URL without a password (use postgres_password_file)',
      })
      .describe(
        'For `driver = "postgres"` (required then): the connection URL, without a password (`postgres://user@host:5432/db`).',
      ),
    postgres_password_file: z
      .string()
      .default('')
      .describe(
        'File holding the PostgreSQL password, so it never sits in this file or in a process argument; empty: none.',
      ),
  })
  .prefault({})
  .refine((s) => s.driver !== 'postgres' || s.postgres_url !== '', {
    message: 'postgres_url is required when driver = "postgres"',
    path: ['postgres_url'],
  })
  .describe('Where the vault, the audit trail and every other record are kept.');
