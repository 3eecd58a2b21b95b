import type { Knex } from 'knex';
import { m001 } from './migrations/001-vault-core.ts';
import { m002 } from './migrations/002-gateway.ts';
import { m003 } from './migrations/003-access-control.ts';
import { m004 } from './migrations/004-ticket-workflow.ts';
import { m005 } from './migrations/005-reset.ts';
import { m006 } from './migrations/006-rotation.ts';
import { m007 } from './migrations/007-listeners.ts';
import { m008 } from './migrations/008-sync-channels.ts';
import { m009 } from './migrations/009-login-attempts.ts';
import { m010 } from './migrations/010-web-links.ts';
import { m011 } from './migrations/011-api-keys.ts';
import { m012 } from './migrations/012-recording-keys.ts';
import { m013 } from './migrations/013-recording-search.ts';
import { m014 } from './migrations/014-visibility-query.ts';
import { m015 } from './migrations/015-cluster.ts';
import { m016 } from './migrations/016-clipboard-policy.ts';
import { m018 } from './migrations/018-rotation-resume.ts';

/**
 * Schema migrations, in code so the embedded SQLite default and PostgreSQL run the very same
 * steps. Timestamps are ISO-8601 text on both (sortable, no driver-specific date types); ids are
 * text (UUIDs) so a secret's associated data — its row identity — is known before the insert.
 */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
}

/** In order; each file under migrations/ is one step, never edited once released. */
export const MIGRATIONS: readonly Migration[] = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m008,
  m009,
  m010,
  m011,
  m012,
  m013,
  m014,
  m015,
  m016,
  m018,
];

/** Adapts the list to knex's migration-source interface. */
export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({ up: (k: Knex) => m.up(k), down: async () => undefined }),
};
