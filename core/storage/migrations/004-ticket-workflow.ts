import type { Migration } from '../migrations.ts';

export const m004: Migration = {
  name: '004_ticket_workflow',
  async up(knex) {
    // Access requests backed by a valid ticket are approved automatically (the ticket stands in for
    // the approval).
    await knex.schema.alterTable('access_settings', (t) => {
      t.boolean('ticket_auto_approve').notNullable().defaultTo(false);
    });
  },
};
