import type { Migration } from '../migrations.ts';

export const m010: Migration = {
  name: '010_web_links',
  async up(knex) {
    // One-time sign-in links for the web listener, made by `custody web link` (another process
    // than the server) and redeemed by the server: only the SHA-256 of the token is stored, so a
    // copy of the database signs no one in.
    await knex.schema.createTable('web_links', (t) => {
      t.string('token_hash', 64).primary();
      t.string('username', 100).notNullable();
      t.string('landing_path', 500).notNullable();
      t.string('created_by', 200).notNullable();
      t.string('created_at', 32).notNullable();
      t.string('expires_at', 32).notNullable();
      t.string('used_at', 32).nullable();
      t.index(['expires_at']);
    });
  },
};
