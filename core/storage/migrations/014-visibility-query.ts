import type { Knex } from 'knex';
import type { Migration } from '../migrations.ts';
import { fold } from '../repos/fold.ts';

/** Which text columns get a case-folded twin, and the key that names their rows. */
const FOLDED: readonly { table: string; key: readonly string[]; columns: readonly string[] }[] = [
  { table: 'resources', key: ['id'], columns: ['name', 'description', 'dns_name'] },
  { table: 'accounts', key: ['id'], columns: ['name', 'notes'] },
  { table: 'custom_values', key: ['owner_kind', 'owner_id', 'field_id'], columns: ['value_text'] },
];

export const m014: Migration = {
  name: '014_visibility_query',
  async up(knex) {
    // Visibility, criteria groups and the explorer's search are answered by the database. They
    // compare text case-insensitively as JavaScript's toLowerCase does (every script, not only
    // ASCII, which is all SQLite's lower() knows), so each compared column gets a twin holding
    // the folded text, written by the repositories with the column itself.
    for (const t of FOLDED) {
      await knex.schema.alterTable(t.table, (b) => {
        for (const c of t.columns) b.text(`${c}_folded`);
      });
      await backfill(knex, t.table, t.key, t.columns);
    }
    // Listings are ordered by the folded names, so the database can walk resources and their
    // accounts in order and stop at the page instead of sorting everything.
    await knex.schema.alterTable('resources', (b) =>
      b.index(['name_folded', 'name'], 'resources_name_order'),
    );
    await knex.schema.alterTable('accounts', (b) =>
      b.index(['resource_id', 'name_folded', 'name'], 'accounts_name_order'),
    );
  },
};

async function backfill(
  knex: Knex,
  table: string,
  key: readonly string[],
  columns: readonly string[],
): Promise<void> {
  let after: string[] | undefined;
  for (;;) {
    const q = knex(table)
      .select([...key, ...columns])
      .orderBy([...key])
      .limit(1000);
    if (after) q.whereRaw(`(${key.join(', ')}) > (${key.map(() => '?').join(', ')})`, after);
    const rows = (await q) as Record<string, unknown>[];
    if (!rows.length) return;
    for (const row of rows) {
      const where: Record<string, unknown> = {};
      for (const k of key) where[k] = row[k];
      const set: Record<string, string | null> = {};
      for (const c of columns) set[`${c}_folded`] = row[c] == null ? null : fold(String(row[c]));
      await knex(table).where(where).update(set);
    }
    const last = rows[rows.length - 1]!;
    after = key.map((k) => String(last[k]));
  }
}
