import knexFactory, { type Knex } from 'knex';
import { promises as fs } from 'node:fs';
import type sqlite3 from 'sqlite3';
import path from 'node:path';
import { StorageError } from '../errors.ts';
import { migrationSource } from './migrations.ts';
import { createRepos, type Repos } from './repos/index.ts';
import { cacheStatements } from './sqlite-statement-cache.ts';

export type StorageDriver = 'sqlite' | 'postgres';

export interface StorageOptions {
  driver: StorageDriver;
  sqliteFile?: string;
  postgresUrl?: string;
  postgresPassword?: string;
}

/**
 * The only door to the database. Services receive bound repositories and never see knex; every
 * multi-step write goes through `tx`, so it commits whole or not at all.
 */
export interface Store {
  readonly driver: StorageDriver;
  read<T>(fn: (repos: Repos) => Promise<T>): Promise<T>;
  tx<T>(fn: (repos: Repos) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openStore(options: StorageOptions): Promise<Store> {
  const knex = await connect(options);
  try {
    await knex.migrate.latest({ migrationSource });
  } catch (e) {
    await knex.destroy();
    throw new StorageError(`database migration failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const reader = createRepos(knex, options.driver);
  const reachable = unreachableAs(options);
  return {
    driver: options.driver,
    read: (fn) => fn(reader).catch(reachable),
    tx: (fn) =>
      knex
        .transaction(async (trx) => {
          // SQLite: take the write lock first, as BEGIN IMMEDIATE would (knex cannot issue it). A
          // deferred transaction that reads and then writes gets SQLITE_BUSY at once, without waiting,
          // when another process (a CLI command beside the server) committed in between; a write
          // up front takes the lock, so busy_timeout applies instead. The write is a no-op on the
          // audit chain's head that returns it: holding the lock, no one else can move the head
          // before the commit, so the transaction's audit rows need no read of their own.
          if (options.driver === 'sqlite') {
            const head = rowsOf(
              await trx.raw('UPDATE audit_head SET id = id WHERE id = 1 RETURNING seq, hash'),
            )[0];
            return fn(
              createRepos(
                trx,
                options.driver,
                head ? { seq: Number(head.seq), hash: String(head.hash) } : undefined,
              ),
            );
          }
          return fn(createRepos(trx, options.driver));
        })
        .catch(reachable),
    close: () => knex.destroy(),
  };
}

/** knex.raw answers SQLite with the rows themselves. */
function rowsOf(result: unknown): { seq?: unknown; hash?: unknown }[] {
  return Array.isArray(result) ? (result as { seq?: unknown; hash?: unknown }[]) : [];
}

/** Socket errors and PostgreSQL's "server going away / cannot connect" classes (57P0x, 08xxx). */
const UNREACHABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|57P0[123]|08\d{3})$/;
const UNREACHABLE_TEXT = /Connection terminated|Timeout acquiring a connection/;

/**
 * A PostgreSQL server that went away (stopped, restarting, cut off) fails every operation with
 * one clear, stable error instead of a raw driver message: a login, a new session or a command
 * is refused with "the database is unreachable" (fail-closed) and the operator can tell it from a
 * refusal. Other errors pass through unchanged.
 */
function unreachableAs(options: StorageOptions): (e: unknown) => never {
  const where = options.postgresUrl ? new URL(options.postgresUrl) : undefined;
  return (e) => {
    const code = String((e as { code?: unknown })?.code ?? '');
    if (
      options.driver === 'postgres' &&
      (UNREACHABLE.test(code) || UNREACHABLE_TEXT.test(String((e as Error)?.message)))
    )
      throw new StorageError(
        `the database is unreachable (PostgreSQL at ${where?.hostname}:${where?.port || 5432}): try again shortly`,
        { reason: 'database-unreachable' },
      );
    throw e;
  };
}

async function connect(options: StorageOptions): Promise<Knex> {
  if (options.driver === 'postgres') {
    if (!options.postgresUrl) throw new StorageError('postgres_url is not set');
    const url = new URL(options.postgresUrl);
    const knex = knexFactory({
      client: 'pg',
      connection: {
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        database: url.pathname.replace(/^\//, ''),
        ...(options.postgresPassword ? { password: options.postgresPassword } : {}),
      },
      pool: { min: 0, max: 10 },
    });
    await ping(knex, `PostgreSQL at ${url.hostname}:${url.port || 5432}`);
    return knex;
  }
  const file = options.sqliteFile;
  if (!file) throw new StorageError('sqlite_file is not set');
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const knex = knexFactory({
    client: 'sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    // One connection: SQLite has one writer anyway, and a single connection makes every knex
    // transaction exclusive, which the audit chain and check-out rely on.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: sqlite3.Database, done: (err: Error | null) => void) => {
        conn.run('PRAGMA foreign_keys = ON', (e1) => {
          if (e1) return done(e1);
          conn.run('PRAGMA journal_mode = WAL', (e2) => {
            if (e2) return done(e2);
            conn.run('PRAGMA busy_timeout = 15000', (e3) => {
              if (e3) return done(e3);
              cacheStatements(conn);
              done(null);
            });
          });
        });
      },
    },
  });
  await ping(knex, `SQLite file ${file}`);
  return knex;
}

async function ping(knex: Knex, what: string): Promise<void> {
  try {
    await knex.raw('select 1');
  } catch (e) {
    await knex.destroy();
    throw new StorageError(`cannot open ${what}: ${(e as Error).message.split('\n')[0]}`);
  }
}
