import type { Migration } from '../migrations.ts';

export const m009: Migration = {
  name: '009_login_attempts',
  async up(knex) {
    // Failed logins per source address, one row each, counted over a sliding window: a success from
    // the address no longer wipes its count. A row is claimed (pending) before the password is
    // hashed, so parallel attempts past the limit are refused unhashed.
    await knex.schema.createTable('login_attempts', (t) => {
      t.string('id', 64).primary();
      t.string('source', 200).notNullable();
      t.string('at', 32).notNullable();
      t.boolean('pending').notNullable();
      t.index(['source', 'at']);
    });
  },
};
