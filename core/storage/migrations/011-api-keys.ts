import type { Migration } from '../migrations.ts';

export const m011: Migration = {
  name: '011_api_keys',
  async up(knex) {
    // API keys for application-to-application password retrieval. Only the SHA-256 of the key is
    // kept (`key_hash`, unique: the lookup on every request); the key itself is written once to
    // the file its creator named. A key is never deleted, only revoked, so the audit trail's key
    // names keep meaning something.
    await knex.schema.createTable('api_keys', (t) => {
      t.string('id', 64).primary();
      t.string('name', 100).notNullable().unique();
      t.string('user_id', 64).notNullable().references('id').inTable('users').onDelete('CASCADE');
      t.string('key_hash', 64).notNullable().unique();
      t.text('allow_cidrs').notNullable(); // JSON array of CIDR strings; empty: any address
      t.string('created_at', 32).notNullable();
      t.string('created_by', 200).notNullable();
      t.string('expires_at', 32).nullable();
      t.string('last_used_at', 32).nullable();
      t.string('revoked_at', 32).nullable();
      t.string('revoked_by', 200).nullable();
      t.index(['user_id']);
    });
  },
};
