import type { Migration } from '../migrations.ts';

export const m016: Migration = {
  name: '016_clipboard_policy',
  async up(knex) {
    // Which way text may cross the clipboard of an RDP session to this resource: off, to-target,
    // from-target or both. Off unless an administrator opens it: a clipboard is a way for data to
    // leave a server, so no existing resource gains one by upgrading.
    await knex.schema.alterTable('resources', (t) => {
      t.string('clipboard', 16).notNullable().defaultTo('off');
    });
  },
};
