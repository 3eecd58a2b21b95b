import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { num, str, strOrNull, type Row } from './map.ts';

export interface SshKeyRow {
  id: string;
  userId: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  comment: string;
  createdAt: string;
}

export interface LandingRow {
  id: string;
  name: string;
  description: string;
  location: string;
  primaryAccountId: string;
  secondaryAccountId: string | null;
  createdAt: string;
}

const toKey = (r: Row): SshKeyRow => ({
  id: str(r.id),
  userId: str(r.user_id),
  algorithm: str(r.algorithm),
  publicKey: str(r.public_key),
  fingerprint: str(r.fingerprint),
  comment: str(r.comment),
  createdAt: str(r.created_at),
});

const toLanding = (r: Row): LandingRow => ({
  id: str(r.id),
  name: str(r.name),
  description: str(r.description),
  location: str(r.location),
  primaryAccountId: str(r.primary_account_id),
  secondaryAccountId: strOrNull(r.secondary_account_id),
  createdAt: str(r.created_at),
});

export function sshKeysRepo(db: Knex | Knex.Transaction) {
  return {
    async of(userId: string): Promise<SshKeyRow[]> {
      return (await db('user_ssh_keys').where({ user_id: userId }).orderBy('created_at')).map(toKey);
    },
    async insert(k: SshKeyRow): Promise<void> {
      await db('user_ssh_keys').insert({
        id: k.id,
        user_id: k.userId,
        algorithm: k.algorithm,
        public_key: k.publicKey,
        fingerprint: k.fingerprint,
        comment: k.comment,
        created_at: k.createdAt,
      });
    },
    async remove(userId: string, fingerprint: string): Promise<number> {
      return db('user_ssh_keys').where({ user_id: userId, fingerprint }).delete();
    },
  };
}

export function loginFailuresRepo(db: Knex | Knex.Transaction) {
  return {
    async get(
      kind: 'user' | 'source',
      subject: string,
    ): Promise<{ failures: number; lockedUntil: string | null } | undefined> {
      const r = await db('login_failures').where({ kind, subject }).first();
      return r ? { failures: num(r.failures), lockedUntil: strOrNull(r.locked_until) } : undefined;
    },
    async set(
      kind: 'user' | 'source',
      subject: string,
      failures: number,
      lockedUntil: string | null,
      at: string,
    ): Promise<void> {
      await db('login_failures')
        .insert({ kind, subject, failures, locked_until: lockedUntil, updated_at: at })
        .onConflict(['kind', 'subject'])
        .merge(['failures', 'locked_until', 'updated_at']);
    },
    /** User names locked at `now`, with the end of each lock. */
    async lockedUsers(now: string): Promise<Map<string, string>> {
      const rows = await db('login_failures').where({ kind: 'user' }).andWhere('locked_until', '>', now);
      return new Map(rows.map((r) => [str(r.subject), str(r.locked_until)]));
    },
    async clear(kind: 'user' | 'source', subject: string): Promise<void> {
      await db('login_failures').where({ kind, subject }).delete();
    },
  };
}

/**
 * Failed logins per source address, counted over a sliding window (a success from the address
 * does not wipe them). `claim` records an attempt before its password is hashed, so parallel
 * guesses count before any of them is checked; it is then `settle`d as a failure or `release`d.
 */
export function loginAttemptsRepo(db: Knex | Knex.Transaction) {
  return {
    /**
     * Claims an attempt from `source` unless failures and pending attempts since `since` already
     * reach `limit`; returns its id, or null when refused. Touching the source's login_failures
     * row first takes a row lock on PostgreSQL, so concurrent claims from one address are counted
     * one after the other (SQLite transactions are exclusive anyway).
     */
    async claim(source: string, now: string, since: string, limit: number): Promise<string | null> {
      await db('login_failures')
        .insert({ kind: 'source', subject: source, failures: 0, locked_until: null, updated_at: now })
        .onConflict(['kind', 'subject'])
        .merge(['updated_at']);
      await db('login_attempts').where({ source }).andWhere('at', '<=', since).delete();
      const r = await db('login_attempts')
        .where({ source })
        .andWhere('at', '>', since)
        .count({ n: '*' })
        .first();
      if (num(r?.n ?? 0) >= limit) return null;
      const id = randomUUID();
      await db('login_attempts').insert({ id, source, at: now, pending: true });
      return id;
    },
    /** Records a failure: the claimed attempt `id`, or a new row when there was no claim. */
    async settle(source: string, now: string, id?: string): Promise<void> {
      if (id && Number(await db('login_attempts').where({ id }).update({ pending: false })) === 1) return;
      await db('login_attempts').insert({ id: randomUUID(), source, at: now, pending: false });
    },
    /** Drops a claimed attempt that was not a failure (a success, or never checked). */
    async release(id: string): Promise<void> {
      await db('login_attempts').where({ id }).delete();
    },
    /** Failures (not pending attempts) from `source` since `since`. */
    async failures(source: string, since: string): Promise<number> {
      const r = await db('login_attempts')
        .where({ source, pending: false })
        .andWhere('at', '>', since)
        .count({ n: '*' })
        .first();
      return num(r?.n ?? 0);
    },
  };
}

export function totpRepo(db: Knex | Knex.Transaction) {
  return {
    async setSecret(userId: string, sealed: string | null, enabled: boolean): Promise<void> {
      await db('users').where({ id: userId }).update({ totp_secret_enc: sealed, totp_enabled: enabled });
    },
    async secretOf(userId: string): Promise<string | null> {
      const r = await db('users').where({ id: userId }).first('totp_secret_enc');
      return strOrNull(r?.totp_secret_enc);
    },
    async lastStep(userId: string): Promise<number> {
      const r = await db('totp_state').where({ user_id: userId }).first();
      return r ? num(r.last_step) : -1;
    },
    /**
     * Accepts time step `step` for this user if no step at or after it was accepted before. One
     * conditional UPDATE, so two logins racing with the same code cannot both win: the database
     * applies them one after the other and the second matches no row.
     */
    async claimStep(userId: string, step: number): Promise<boolean> {
      await db('totp_state').insert({ user_id: userId, last_step: -1 }).onConflict('user_id').ignore();
      const n = await db('totp_state')
        .where({ user_id: userId })
        .andWhere('last_step', '<', step)
        .update({ last_step: step });
      return Number(n) === 1;
    },
    async setLastStep(userId: string, step: number): Promise<void> {
      await db('totp_state')
        .insert({ user_id: userId, last_step: step })
        .onConflict('user_id')
        .merge(['last_step']);
    },
  };
}

export function landingRepo(db: Knex | Knex.Transaction) {
  return {
    async list(): Promise<LandingRow[]> {
      return (await db('landing_servers').orderBy('name')).map(toLanding);
    },
    async byName(name: string): Promise<LandingRow | undefined> {
      const r = await db('landing_servers').where({ name }).first();
      return r ? toLanding(r) : undefined;
    },
    async insert(l: LandingRow): Promise<void> {
      await db('landing_servers').insert({
        id: l.id,
        name: l.name,
        description: l.description,
        location: l.location,
        primary_account_id: l.primaryAccountId,
        secondary_account_id: l.secondaryAccountId,
        created_at: l.createdAt,
      });
    },
    async remove(id: string): Promise<void> {
      await db('landing_servers').where({ id }).delete();
    },
    async associate(landingId: string, resourceId: string): Promise<void> {
      await db('landing_associations')
        .insert({ landing_id: landingId, resource_id: resourceId })
        .onConflict()
        .ignore();
    },
    async dissociate(landingId: string, resourceId: string): Promise<number> {
      return db('landing_associations').where({ landing_id: landingId, resource_id: resourceId }).delete();
    },
    /** Landing servers through which this resource is reached. */
    async landingsFor(resourceId: string): Promise<LandingRow[]> {
      const rows = await db('landing_servers')
        .join('landing_associations', 'landing_servers.id', 'landing_associations.landing_id')
        .where('landing_associations.resource_id', resourceId)
        .orderBy('landing_servers.name')
        .select('landing_servers.*');
      return rows.map(toLanding);
    },
    async associations(landingId: string): Promise<string[]> {
      return (await db('landing_associations').where({ landing_id: landingId }).select('resource_id')).map(
        (r) => str(r.resource_id),
      );
    },
  };
}

export function hostKeysRepo(db: Knex | Knex.Transaction) {
  return {
    async get(
      resourceId: string,
      keyType: string,
    ): Promise<{ fingerprint: string; firstSeen: string } | undefined> {
      const r = await db('host_keys').where({ resource_id: resourceId, key_type: keyType }).first();
      return r ? { fingerprint: str(r.fingerprint), firstSeen: str(r.first_seen) } : undefined;
    },
    async anyFor(resourceId: string): Promise<{ keyType: string; fingerprint: string }[]> {
      return (await db('host_keys').where({ resource_id: resourceId })).map((r) => ({
        keyType: str(r.key_type),
        fingerprint: str(r.fingerprint),
      }));
    },
    async record(resourceId: string, keyType: string, fingerprint: string, at: string): Promise<void> {
      await db('host_keys')
        .insert({ resource_id: resourceId, key_type: keyType, fingerprint, first_seen: at })
        .onConflict()
        .ignore();
    },
    async forget(resourceId: string): Promise<void> {
      await db('host_keys').where({ resource_id: resourceId }).delete();
    },
    /** Every pin and expectation, for `hostkey list`. */
    async all(): Promise<{ resourceId: string; keyType: string; fingerprint: string; firstSeen: string }[]> {
      return (await db('host_keys').orderBy(['resource_id', 'key_type'])).map((r) => ({
        resourceId: str(r.resource_id),
        keyType: str(r.key_type),
        fingerprint: str(r.fingerprint),
        firstSeen: str(r.first_seen),
      }));
    },
  };
}

/**
 * The key_type of a host_keys row that is not a pin but an administrator's expectation
 * (`hostkey accept --fingerprint`): whatever key type the target offers next, its SHA256
 * fingerprint must be this one, and the key is then pinned in its place.
 */
export const EXPECTED_HOST_KEY = '*expected*';
