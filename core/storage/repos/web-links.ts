import type { Knex } from 'knex';

export interface WebLinkRow {
  tokenHash: string;
  username: string;
  landingPath: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

interface Raw {
  token_hash: string;
  username: string;
  landing_path: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

const fromRaw = (r: Raw): WebLinkRow => ({
  tokenHash: r.token_hash,
  username: r.username,
  landingPath: r.landing_path,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

export function webLinksRepo(db: Knex | Knex.Transaction) {
  return {
    async insert(row: Omit<WebLinkRow, 'usedAt'>): Promise<void> {
      await db('web_links').insert({
        token_hash: row.tokenHash,
        username: row.username,
        landing_path: row.landingPath,
        created_by: row.createdBy,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
        used_at: null,
      });
    },
    async byHash(tokenHash: string): Promise<WebLinkRow | undefined> {
      const r = (await db('web_links').where({ token_hash: tokenHash }).first()) as Raw | undefined;
      return r ? fromRaw(r) : undefined;
    },
    /** Marks the link used unless it already was: true for the one caller that won. */
    async markUsed(tokenHash: string, at: string): Promise<boolean> {
      const n = await db('web_links')
        .where({ token_hash: tokenHash })
        .whereNull('used_at')
        .update({ used_at: at });
      return Number(n) === 1;
    },
    /** Links expired before `before` are of no further use (their audit rows stay). */
    async deleteExpired(before: string): Promise<void> {
      await db('web_links').where('expires_at', '<', before).delete();
    },
  };
}
