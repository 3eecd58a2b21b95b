import type { Migration } from '../migrations.ts';

export const m005: Migration = {
  name: '005_reset',
  async up(knex) {
    // A remote reset in flight: the new password is sealed here BEFORE the target is
    // touched, so a crash or a failing vault write never loses it. started = target not yet known
    // to have changed; target-changed = the target has it, the vault write is still owed.
    await knex.schema.createTable('pending_resets', (t) => {
      t.string('id', 64).primary();
      t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
      t.text('password_enc').notNullable();
      t.string('state', 20).notNullable();
      t.string('actor', 200).notNullable();
      t.string('source', 200).notNullable();
      t.string('created_at', 32).notNullable();
      t.string('updated_at', 32).notNullable();
      t.index(['account_id']);
    });
  },
};
