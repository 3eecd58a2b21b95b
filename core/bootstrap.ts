import { promises as fs } from 'node:fs';
import type { LiveRegistry } from './live/live-registry.ts';
import path from 'node:path';
import type { Actor } from './authz/actor.ts';
import {
  configFileOf,
  keyFileInDataFolder,
  layoutOf,
  REPOSITORY_ROOT,
  type HomeLayout,
} from './config/home.ts';
import { loadConfigFile } from './config/load.ts';
import type { CustodyConfig } from './config/schema.ts';
import { Core, contextOf } from './core.ts';
import { ADMIN_USERNAME } from './facade/system.ts';
import type { CoreDeps } from './context.ts';
import {
  createKeyFile,
  newAuditKey,
  readKeyFile,
  takeRotationLock,
  writeKeyFile,
  type KeyFileContents,
} from './crypto/key-file.ts';
import { Keyring } from './crypto/keyring.ts';
import { hashLoginPassword, type KdfParams } from './crypto/password-hash.ts';
import type { Secret } from './crypto/secret.ts';
import { ConfigError, KeyError } from './errors.ts';
import { BUILTIN_POLICIES } from './policy/builtin.ts';
import { generatePassword } from './policy/generate.ts';
import { policyByName } from './policy/policies-service.ts';
import { assertPassword } from './policy/validate.ts';
import { systemClock, uuidIds, silentLogger, type Clock, type IdGenerator, type Logger } from './runtime.ts';
import { openStore, type Store } from './storage/db.ts';
import { BUILTIN_TYPES } from './vault/builtin-types.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuditChain } from './audit/chain.ts';
import { walkChain } from './audit/audit-service.ts';

export interface OpenOptions {
  home: string;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  kdf?: KdfParams;
  /** The live registry (a cluster's); the in-process one when absent. */
  liveRegistry?: LiveRegistry;
  /** In a cluster, which other node holds a session's recordings (CoreDeps.recordingHolder). */
  recordingHolder?: (sessionId: string) => Promise<string | undefined>;
  /** Outbound integrations built by the composition root (integrations/) from the configuration. */
  integrations?: (
    config: Readonly<CustodyConfig>,
    home: string,
    services: IntegrationServices,
  ) => Pick<
    CoreDeps,
    | 'qualityExit'
    | 'ticketSystemFactory'
    | 'accessNotifier'
    | 'resetConnectors'
    | 'listenerRunner'
    | 'passwordEventChannels'
    | 'routeDialer'
  >;
}

/** What core lends the integrations: the log, and a user's e-mail address (for notifications). */
export interface IntegrationServices {
  logger: Logger;
  emailOf(username: string): Promise<string | undefined>;
}

export interface OpenedCore {
  core: Core;
  config: Readonly<CustodyConfig>;
  layout: HomeLayout;
}

export { ADMIN_USERNAME };

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function storeFor(config: Readonly<CustodyConfig>, layout: HomeLayout): Promise<Store> {
  let postgresPassword: string | undefined;
  if (config.storage.driver === 'postgres' && config.storage.postgres_password_file) {
    postgresPassword = (
      await fs.readFile(path.resolve(layout.home, config.storage.postgres_password_file), 'utf8')
    ).trim();
  }
  return openStore({
    driver: config.storage.driver,
    sqliteFile: layout.sqliteFile,
    postgresUrl: config.storage.postgres_url,
    ...(postgresPassword ? { postgresPassword } : {}),
  });
}

/** Built-in types and policies: inserted when missing, on every open (so upgrades add new ones). */
async function ensureSeeds(store: Store, now: string): Promise<void> {
  await store.tx(async (r) => {
    for (const t of BUILTIN_TYPES) if (!(await r.types.byId(t.id))) await r.types.insert(t);
    for (const p of BUILTIN_POLICIES) if (!(await r.policies.byId(p.id))) await r.policies.insert(p, now);
  });
}

/**
 * Checked at init and at every open, by real path: a key file moved (or symlinked) into the data
 * folder after init would otherwise be copied with every backup of the data.
 */
async function assertKeyOutsideData(configFile: string, layout: HomeLayout): Promise<void> {
  const dir = await keyFileInDataFolder(layout);
  if (dir !== undefined) {
    throw new ConfigError(
      `${configFile}: crypto.key_file: the master key must not live in the data folder (${dir})`,
      { reason: 'key-in-data-folder', keyFile: layout.keyFile, dataDir: dir },
    );
  }
}

function chainOf(contents: KeyFileContents): AuditChain {
  return new AuditChain(
    contents.audit
      ? { material: Buffer.from(contents.audit.material, 'base64'), fromSeq: contents.audit.fromSeq }
      : undefined,
  );
}

/**
 * The audit chain's key, from the key file, so that write access to the database is not enough to
 * forge the chain. A key file made before the chain was keyed gets an audit key here, once: the
 * legacy SHA-256 chain is walked, and an `audit.keyed` row (the first keyed row, whose previous
 * hash seals every older row) records the upgrade and what the walk found. Under the rotation lock, so two processes opening at once add one key.
 */
async function auditChainFor(
  store: Store,
  keyFile: string,
  contents: KeyFileContents,
  clock: Clock,
  ids: IdGenerator,
): Promise<AuditChain> {
  if (contents.audit) return chainOf(contents);
  const keyedRows = await store.read((r) => r.audit.query({ type: 'audit.keyed', limit: 1 }));
  if (keyedRows.length) {
    // Another node (or a restored old copy of the key file) lacks the key the chain is keyed with:
    // a fresh key here would make every later row unverifiable.
    throw new KeyError(
      `master key file ${keyFile} has no audit key, but the audit chain is keyed (row ${keyedRows[0]!.seq}): restore the key file that holds it`,
      { file: keyFile },
    );
  }
  const release = await takeRotationLock(keyFile);
  try {
    const now = await readKeyFile(keyFile);
    if (now.audit) return chainOf(now);
    return await store.tx(async (repos) => {
      const head = await repos.audit.head();
      const legacy = await walkChain(repos, new AuditChain());
      const upgraded: KeyFileContents = { ...now, audit: newAuditKey(clock.now(), head.seq + 1) };
      await writeKeyFile(keyFile, upgraded);
      const chain = chainOf(upgraded);
      if (head.seq > 0) {
        await new AuditLog(clock, ids, chain).append(repos, {
          type: 'audit.keyed',
          actor: 'system',
          source: 'startup',
          target: { kind: 'audit', name: 'chain' },
          result: 'success',
          details: {
            fromSeq: head.seq + 1,
            legacyRows: legacy.rows,
            legacyIntact: legacy.ok,
            ...(legacy.ok ? {} : { legacyFirstBad: legacy.firstBad }),
          },
        });
      }
      return chain;
    });
  } finally {
    await release();
  }
}

export async function openCore(o: OpenOptions): Promise<OpenedCore> {
  const config = await loadConfigFile(configFileOf(o.home));
  const layout = layoutOf(o.home, config);
  await assertKeyOutsideData(configFileOf(o.home), layout);
  const keyContents = await readKeyFile(layout.keyFile);
  // Follows the key file, so a `custody key rotate` from another process reaches this node.
  const keyring = await Keyring.fromFile(layout.keyFile);
  const store = await storeFor(config, layout);
  const clock = o.clock ?? systemClock;
  const ids = o.ids ?? uuidIds;
  let auditChain: AuditChain;
  try {
    auditChain = await auditChainFor(store, layout.keyFile, keyContents, clock, ids);
  } catch (e) {
    await store.close();
    throw e;
  }
  await ensureSeeds(store, clock.now().toISOString());
  const core = new Core({
    store,
    keyring,
    config,
    clock,
    ids,
    auditChain,
    logger: o.logger ?? silentLogger,
    ...(o.kdf ? { kdf: o.kdf } : {}),
    recordingsDir: layout.recordingsDir,
    recordingSigningKeyFile: path.join(path.dirname(layout.keyFile), 'recording-signing.key'),
    ...(o.liveRegistry ? { liveRegistry: o.liveRegistry } : {}),
    ...(o.recordingHolder ? { recordingHolder: o.recordingHolder } : {}),
    ...(o.integrations
      ? o.integrations(config, layout.home, {
          logger: o.logger ?? silentLogger,
          emailOf: async (username) =>
            (await store.read((r) => r.users.byName(username)))?.email || undefined,
        })
      : {}),
  });
  return { core, config, layout };
}

export interface InitResult {
  layout: HomeLayout;
  createdConfig: boolean;
  createdKey: boolean;
  createdAdmin: boolean;
  /** Where a generated administrator password was written (never printed). */
  adminPasswordFile?: string;
}

/**
 * `custody init`: configuration, data folder, master key (kept outside the data folder), the
 * built-ins, and the first administrator `admin`. Idempotent: running it again changes nothing
 * that exists.
 */
export async function initHome(
  o: OpenOptions & { adminPassword?: Secret; osUser: string; source: string },
): Promise<InitResult> {
  const configFile = configFileOf(o.home);
  let createdConfig = false;
  if (!(await exists(configFile))) {
    await fs.mkdir(path.dirname(configFile), { recursive: true });
    await fs.copyFile(path.join(REPOSITORY_ROOT, 'conf', 'custody.toml'), configFile);
    createdConfig = true;
  }
  const config = await loadConfigFile(configFile);
  const layout = layoutOf(o.home, config);
  await assertKeyOutsideData(configFile, layout);
  await fs.mkdir(layout.dataDir, { recursive: true, mode: 0o700 });
  await fs.mkdir(layout.recordingsDir, { recursive: true, mode: 0o700 });
  const clock = o.clock ?? systemClock;
  let createdKey = false;
  if (!(await exists(layout.keyFile))) {
    if (await exists(layout.sqliteFile)) {
      // Never mint a fresh key beside existing data: that data could then never be read.
      throw new KeyError(
        `master key file ${layout.keyFile} is missing but the database exists: restore the key file`,
      );
    }
    await createKeyFile(layout.keyFile, clock.now());
    createdKey = true;
  }
  const { core } = await openCore(o);
  try {
    const store = contextOf(core).store;
    const existing = await store.read((r) => r.users.byName(ADMIN_USERNAME));
    let createdAdmin = false;
    let adminPasswordFile: string | undefined;
    if (!existing) {
      let password = o.adminPassword;
      if (!password) {
        password = generatePassword(
          BUILTIN_POLICIES.find((p) => p.name === 'Strong')!,
          { loginName: ADMIN_USERNAME },
        );
        adminPasswordFile = path.join(path.dirname(layout.keyFile), 'initial-admin-password');
        await fs.writeFile(adminPasswordFile, password.reveal() + '\n', { mode: 0o600 });
      }
      await createAdmin(core, password, o.osUser, o.source);
      createdAdmin = true;
    }
    return {
      layout,
      createdConfig,
      createdKey,
      createdAdmin,
      ...(adminPasswordFile ? { adminPasswordFile } : {}),
    };
  } finally {
    await core.close();
  }
}

async function createAdmin(core: Core, password: Secret, osUser: string, source: string): Promise<void> {
  const ctx = contextOf(core);
  const now = ctx.now();
  // The first administrator is a super administrator: someone must be able to see everything and
  // to set the deny-super-admin switch. The recommended practice: this account (or a super
  // administrator it creates) turns the switch on, and its credentials are then sealed away for
  // emergencies.
  await ctx.store.tx(async (r) => {
    assertPassword(await policyByName(r, ctx.config.security.login_password_policy), password, {
      loginName: ADMIN_USERNAME,
    });
    await r.users.insert({
      id: ctx.ids.next(),
      username: ADMIN_USERNAME,
      firstName: 'Built-in',
      lastName: 'Administrator',
      email: '',
      department: '',
      location: '',
      role: 'admin',
      superAdmin: true,
      status: 'active',
      passwordHash: await hashLoginPassword(password, ctx.kdf),
      passwordChangedAt: now,
      totpEnabled: false,
      treeRootName: null,
      createdAt: now,
      updatedAt: now,
    });
    await ctx.auditLog.append(r, {
      type: 'system.init',
      actor: `host:${osUser}`,
      source,
      target: { kind: 'user', name: ADMIN_USERNAME },
      result: 'success',
      details: { admin: ADMIN_USERNAME },
    });
  });
}

/** The actor for CLI commands run on the host without --as (CLI contract: "Who acts"). */
export function hostActorFor(core: Core, osUser: string, source: string): Promise<Actor> {
  return core.system.hostActor(osUser, source);
}
