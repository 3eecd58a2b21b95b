import type { Knex } from 'knex';
import { str } from './map.ts';

/**
 * Every column that holds a sealed secret. Key rotation walks this list, so a new secret column
 * that is not added here would be left behind under an old key — the rotation test checks the
 * list against the schema.
 */
export const SECRET_COLUMNS = [
  { table: 'accounts', column: 'password_enc', key: ['id'] },
  { table: 'password_history', column: 'password_enc', key: ['id'] },
  { table: 'personal_passwords', column: 'password_enc', key: ['id'] },
  { table: 'custom_values', column: 'value_enc', key: ['owner_kind', 'owner_id', 'field_id'] },
  { table: 'users', column: 'totp_secret_enc', key: ['id'] },
  { table: 'pending_resets', column: 'password_enc', key: ['id'] },
  { table: 'sync_channels', column: 'default_password_enc', key: ['id'] },
  { table: 'recordings', column: 'data_key_enc', key: ['id'] },
] as const;

export type SecretColumn = (typeof SECRET_COLUMNS)[number];

export interface SealedCell {
  rowKey: string[];
  sealed: string;
}

/** A cell as a rotation batch reads it: with where the next batch starts after it. */
export interface PagedCell extends SealedCell {
  cursor: string[];
}

export function secretsRepo(db: Knex | Knex.Transaction, driver: 'sqlite' | 'postgres') {
  // On SQLite a batch walks the table in storage (rowid) order: the rows of one batch then share
  // a few pages, where the key order (random UUIDs) spread a batch over as many pages as rows, and
  // writing those pages and their WAL frames bounded a rotation. PostgreSQL has no stable storage
  // order (an update moves the row), so it walks the key.
  const physical = driver === 'sqlite';
  return {
    /**
     * Cells of `col` not yet sealed with the key whose prefix is given, after the cursor `after`
     * (keyset paging: each batch starts where the last one ended, so a rotation reads every row
     * once instead of rescanning the rows it already moved).
     */
    async notSealedWith(
      col: SecretColumn,
      sealedPrefix: string,
      limit: number,
      after?: string[],
    ): Promise<PagedCell[]> {
      const order = physical ? ['rowid'] : [...col.key];
      const q = db(col.table)
        .whereNotNull(col.column)
        .whereRaw(`substr(${col.column}, 1, ?) <> ?`, [sealedPrefix.length, sealedPrefix]);
      // A rowid compares as a number (SQLite orders any number before any text).
      if (after && physical) q.where('rowid', '>', Number(after[0]));
      else if (after) q.whereRaw(`(${order.join(', ')}) > (${order.map(() => '?').join(', ')})`, after);
      const rows = (await q
        .orderBy(order)
        .limit(limit)
        .select([...(physical ? ['rowid AS row_position'] : []), ...col.key, col.column])) as Record<
        string,
        unknown
      >[];
      return rows.map((r) => {
        const rowKey = col.key.map((k) => str(r[k]));
        return { rowKey, sealed: str(r[col.column]), cursor: physical ? [str(r.row_position)] : rowKey };
      });
    },
    async countNotSealedWith(col: SecretColumn, sealedPrefix: string): Promise<number> {
      const r = await db(col.table)
        .whereNotNull(col.column)
        .whereRaw(`substr(${col.column}, 1, ?) <> ?`, [sealedPrefix.length, sealedPrefix])
        .count({ n: '*' })
        .first();
      return Number(r?.n ?? 0);
    },
    /**
     * Compare-and-set for a whole batch in one statement: each row takes its new value only if
     * it still holds the value that was read. Returns how many rows changed; a row that lost to a
     * concurrent write keeps the newer value and is picked up by the next pass.
     */
    async replaceMany(
      col: SecretColumn,
      cells: { rowKey: string[]; expected: string; sealed: string }[],
    ): Promise<number> {
      const keys = col.key.map((_, i) => `k${i}`);
      const tuple = `(${[...keys, 'old_v', 'new_v'].map(() => '?').join(', ')})`;
      const match = col.key.map((k, i) => `${col.table}.${k} = v.${keys[i]}`).join(' AND ');
      let changed = 0;
      // At most 1,000 rows a statement: both databases cap the values one statement may bind.
      for (let i = 0; i < cells.length; i += 1000) {
        const chunk = cells.slice(i, i + 1000);
        const r = (await db.raw(
          `WITH v (${[...keys, 'old_v', 'new_v'].join(', ')}) AS (VALUES ${chunk.map(() => tuple).join(', ')})
           UPDATE ${col.table} SET ${col.column} = v.new_v FROM v
           WHERE ${match} AND ${col.table}.${col.column} = v.old_v`,
          chunk.flatMap((c) => [...c.rowKey, c.expected, c.sealed]),
        )) as unknown;
        // PostgreSQL reports the rows changed; SQLite's driver does not through knex.raw.
        const n = (r as { rowCount?: unknown }).rowCount;
        changed += typeof n === 'number' ? n : chunk.length;
      }
      return changed;
    },
    async all(col: SecretColumn): Promise<SealedCell[]> {
      const rows = await db(col.table)
        .whereNotNull(col.column)
        .select([...col.key, col.column]);
      return rows.map((r) => ({ rowKey: col.key.map((k) => str(r[k])), sealed: str(r[col.column]) }));
    },
  };
}
