// Runs a storage-backed suite on SQLite and on a private PostgreSQL server: the same tests, both
// backends. PostgreSQL is skipped by name when the machine lacks it (CI installs it).
import { afterAll, beforeAll } from 'vitest';
import { postgresAvailable, POSTGRES_SKIP_REASON, startPostgres, type PgInstance } from './postgres.ts';

export interface DriverCase {
  name: string;
  /** URL of a fresh database for each call, or undefined for SQLite. */
  freshDatabase(): Promise<string | undefined>;
}

let counter = 0;

export function storageDrivers(): DriverCase[] {
  const cases: DriverCase[] = [{ name: 'sqlite', freshDatabase: async () => undefined }];
  if (!postgresAvailable()) {
    console.warn(`postgres storage cases ${POSTGRES_SKIP_REASON}`);
    return cases;
  }
  let pg: PgInstance | null = null;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });
  cases.push({
    name: 'postgres',
    freshDatabase: async () => {
      if (!pg) throw new Error('postgres did not start');
      return pg.createDatabase(`vault_${process.pid}_${++counter}`);
    },
  });
  return cases;
}
