import type { Migration } from '../migrations.ts';

export const m008: Migration = {
  name: '008_sync_channels',
  async up(knex) {
    // Password sync channels: linked accounts across resources share one password. The channel's
    // switches: publishing enabled, policy enforced on published passwords, and a default password
    // (sealed) for accounts created without one.
    await knex.schema.createTable('sync_channels', (t) => {
      t.string('id', 64).primary();
      t.string('name', 200).notNullable().unique();
      t.boolean('publishing').notNullable();
      t.boolean('enforce_policy').notNullable();
      t.text('default_password_enc').nullable();
      t.string('created_by', 200).notNullable();
      t.string('created_at', 32).notNullable();
      t.string('updated_at', 32).notNullable();
    });
    await knex.schema.createTable('sync_links', (t) => {
      t.string('channel_id', 64).notNullable().references('sync_channels.id').onDelete('CASCADE');
      t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
      t.string('created_at', 32).notNullable();
      t.primary(['channel_id', 'account_id']);
      t.index(['account_id']);
    });
  },
};
