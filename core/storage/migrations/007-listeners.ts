import type { Migration } from '../migrations.ts';

export const m007: Migration = {
  name: '007_listeners',
  async up(knex) {
    // Reset listeners: a command run after a password is stored, per resource type. `status` is
    // pending until a second administrator approves; any edit makes it pending again (version goes
    // up), so only what another administrator saw ever runs.
    await knex.schema.createTable('reset_listeners', (t) => {
      t.string('id', 64).primary();
      t.string('name', 200).notNullable().unique();
      t.string('resource_type', 200).notNullable();
      t.text('command').notNullable();
      t.text('args').notNullable(); // JSON array of strings: extra arguments after the standard ones
      t.integer('timeout_seconds').notNullable();
      t.string('status', 20).notNullable(); // pending | approved | rejected
      t.integer('version').notNullable();
      t.string('author', 200).notNullable();
      // The Custody user the author acted as (a host actor acts as the built-in administrator):
      // neither the author nor that user may approve.
      t.string('author_user', 200).notNullable();
      t.string('approver', 200).nullable(); // the administrator asked to approve (null: every other one)
      t.string('decided_by', 200).nullable();
      t.string('decided_at', 32).nullable();
      t.string('created_at', 32).notNullable();
      t.string('updated_at', 32).notNullable();
      t.index(['resource_type']);
    });
  },
};
