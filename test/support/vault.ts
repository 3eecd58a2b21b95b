// A throw-away Custody home for tests: real init, real storage (SQLite file or a database on the
// private PostgreSQL of test/support/postgres.ts), real keyring. Only the Argon2 cost is lowered
// so that tests creating many users stay fast; everything else is the product's code path.
import { mkdtemp, rm, writeFile, mkdir, readFile } from 'node:fs/promises';
import type { Knex } from 'knex';
import os from 'node:os';
import path from 'node:path';
import {
  actorFor,
  hostActor,
  initHome,
  layoutOf,
  openCore,
  REPOSITORY_ROOT,
  Secret,
  type Actor,
  type Clock,
  type Core,
  type Logger,
  type OpenOptions,
  type Role,
} from '../../core/index.ts';
import { contextOf } from './core-internals.ts';

export const ADMIN_PASSWORD = 'Root-Test-Pass#2026';
export const USER_PASSWORD = 'Qz7#kT!wm2Rv@9LnXcJ';

export interface TestVault {
  home: string;
  core: Core;
  /** The host administrator (CLI without --as). */
  host: Actor;
  addUser(name: string, role: Role, opts?: { superAdmin?: boolean }): Promise<Actor>;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export interface VaultOptions {
  postgresUrl?: string;
  clock?: Clock;
  /** Where core logs (default: nowhere); tests that check what reaches a log pass one. */
  logger?: Logger;
  /** Extra TOML appended to the test configuration. */
  extraConfig?: Record<string, Record<string, string | number | boolean>>;
  /** Outbound integrations (a ticketing system, …) as the composition root would wire them. */
  integrations?: OpenOptions['integrations'];
}

export async function writeTestConfig(home: string, o: VaultOptions = {}): Promise<void> {
  const base = await readFile(path.join(REPOSITORY_ROOT, 'conf', 'custody.toml'), 'utf8');
  const sections: Record<string, Record<string, string | number | boolean>> = {
    security: { kdf_memory_kib: 1024, kdf_time_cost: 1 },
    ...(o.postgresUrl ? { storage: { driver: 'postgres', postgres_url: o.postgresUrl } } : {}),
  };
  for (const [section, values] of Object.entries(o.extraConfig ?? {}))
    sections[section] = { ...sections[section], ...values };
  // Replace keys in place so the file stays valid TOML (no duplicate tables).
  let text = base;
  for (const [section, values] of Object.entries(sections)) {
    for (const [key, value] of Object.entries(values)) {
      const literal = typeof value === 'string' ? JSON.stringify(value) : String(value);
      const re = new RegExp(`(\\[${section}\\][\\s\\S]*?\\n)${key} = [^\\n]*`);
      if (!re.test(text)) throw new Error(`test config: no key ${section}.${key} in conf/custody.toml`);
      text = text.replace(re, `$1${key} = ${literal}`);
    }
  }
  await mkdir(path.join(home, 'conf'), { recursive: true });
  await writeFile(path.join(home, 'conf', 'custody.toml'), text);
}

export async function createTestVault(o: VaultOptions = {}): Promise<TestVault> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'custody-test-'));
  await writeTestConfig(home, o);
  await initHome({
    home,
    adminPassword: Secret.fromString(ADMIN_PASSWORD),
    osUser: 'tester',
    source: 'test',
    ...(o.clock ? { clock: o.clock } : {}),
  });
  let opened = await openCore({
    home,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.integrations ? { integrations: o.integrations } : {}),
  });
  const adminUser = async () => (await contextOf(opened.core).store.read((r) => r.users.byName('admin')))!;
  const vault: TestVault = {
    home,
    core: opened.core,
    host: hostActor(await adminUser(), 'tester', 'test'),
    async addUser(name, role, opts = {}) {
      const v = await vault.core.users.create(vault.host, {
        username: name,
        role,
        password: Secret.fromString(USER_PASSWORD),
        ...opts,
      });
      const u = (await contextOf(vault.core).store.read((r) => r.users.byId(v.id)))!;
      return actorFor(u, 'test');
    },
    async reopen() {
      await opened.core.close();
      opened = await openCore({
        home,
        ...(o.clock ? { clock: o.clock } : {}),
        ...(o.logger ? { logger: o.logger } : {}),
        ...(o.integrations ? { integrations: o.integrations } : {}),
      });
      vault.core = opened.core;
    },
    async close() {
      await opened.core.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  return vault;
}

/** Re-reads an actor's user record (role or scope may have changed). */
export async function refresh(v: TestVault, a: Actor): Promise<Actor> {
  const u = (await contextOf(v.core).store.read((r) => r.users.byId(a.user.id)))!;
  return actorFor(u, a.source);
}

export const pw = (s: string) => Secret.fromString(s);

/**
 * A direct connection to the vault's database, bypassing Custody: what an attacker with database
 * access (or a careless operator) could do. Only tests use it.
 */
export async function rawDb(v: TestVault): Promise<Knex> {
  const { default: knexFactory } = await import('knex');
  const { config, layout } = {
    config: contextOf(v.core).config,
    layout: layoutOf(v.home, contextOf(v.core).config),
  };
  if (config.storage.driver === 'postgres')
    return knexFactory({ client: 'pg', connection: config.storage.postgres_url, pool: { min: 0, max: 2 } });
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: layout.sqliteFile },
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
}
