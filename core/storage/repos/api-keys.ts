import type { Knex } from 'knex';
import { jsonArray, str, strOrNull, type Row } from './map.ts';

export interface ApiKeyRow {
  id: string;
  name: string;
  userId: string;
  /** SHA-256 of the key, hex: what a presented key is looked up by. */
  keyHash: string;
  allowCidrs: string[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

const toRow = (r: Row): ApiKeyRow => ({
  id: str(r.id),
  name: str(r.name),
  userId: str(r.user_id),
  keyHash: str(r.key_hash),
  allowCidrs: jsonArray<string>(r.allow_cidrs),
  createdAt: str(r.created_at),
  createdBy: str(r.created_by),
  expiresAt: strOrNull(r.expires_at),
  lastUsedAt: strOrNull(r.last_used_at),
  revokedAt: strOrNull(r.revoked_at),
  revokedBy: strOrNull(r.revoked_by),
});

export function apiKeysRepo(db: Knex | Knex.Transaction) {
  return {
    async byName(name: string): Promise<ApiKeyRow | undefined> {
      const r = await db('api_keys').where({ name }).first();
      return r ? toRow(r) : undefined;
    },
    async byHash(keyHash: string): Promise<ApiKeyRow | undefined> {
      const r = await db('api_keys').where({ key_hash: keyHash }).first();
      return r ? toRow(r) : undefined;
    },
    async list(userId?: string): Promise<ApiKeyRow[]> {
      const q = db('api_keys').orderBy('name');
      return (await (userId ? q.where({ user_id: userId }) : q)).map(toRow);
    },
    async insert(k: ApiKeyRow): Promise<void> {
      await db('api_keys').insert({
        id: k.id,
        name: k.name,
        user_id: k.userId,
        key_hash: k.keyHash,
        allow_cidrs: JSON.stringify(k.allowCidrs),
        created_at: k.createdAt,
        created_by: k.createdBy,
        expires_at: k.expiresAt,
        last_used_at: k.lastUsedAt,
        revoked_at: k.revokedAt,
        revoked_by: k.revokedBy,
      });
    },
    async revoke(id: string, at: string, by: string): Promise<void> {
      await db('api_keys').where({ id }).update({ revoked_at: at, revoked_by: by });
    },
    async touch(id: string, at: string): Promise<void> {
      await db('api_keys').where({ id }).update({ last_used_at: at });
    },
  };
}
