import type { Migration } from '../migrations.ts';

/** Access-control workflow: per-resource settings, requests/check-outs, one hold per account. */
export const m003: Migration = {
  name: '003_access_control',
  async up(knex) {
    await knex.schema.createTable('access_settings', (t) => {
      t.string('resource_id', 64).primary().references('resources.id').onDelete('CASCADE');
      t.boolean('active').notNullable().defaultTo(true);
      /** JSON arrays of user ids. */
      t.text('approvers').notNullable();
      t.text('excluded').notNullable();
      t.boolean('dual').notNullable().defaultTo(false);
      t.integer('void_after_hours').notNullable();
      t.integer('exclusive_hours').notNullable();
      t.boolean('reset_on_checkin').notNullable().defaultTo(false);
      /** off | always | window */
      t.string('auto_approve', 10).notNullable().defaultTo('off');
      t.string('auto_from', 5);
      t.string('auto_to', 5);
      t.boolean('checkin_on_session_end').notNullable().defaultTo(false);
      t.string('updated_at', 32).notNullable();
      t.string('updated_by', 200).notNullable();
    });
    await knex.schema.createTable('access_requests', (t) => {
      t.string('id', 64).primary();
      t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
      t.string('requester_id', 64).notNullable().references('users.id').onDelete('CASCADE');
      t.text('reason').notNullable();
      /** waiting | approved | checked-out | checked-in | rejected | expired */
      t.string('state', 20).notNullable();
      /** JSON array of { userId, username, at }. */
      t.text('approvals').notNullable();
      t.string('created_at', 32).notNullable();
      t.string('void_at', 32);
      t.string('decided_at', 32);
      t.string('decided_by', 200);
      t.text('decision_reason');
      t.string('checked_out_at', 32);
      t.string('expires_at', 32);
      t.string('ended_at', 32);
      t.string('ended_by', 200);
      /** user | forced | expired | session-end */
      t.string('ended_how', 20);
      t.index(['account_id', 'state']);
      t.index(['state']);
      t.index(['requester_id']);
    });
    // The exclusive-use lock: the primary key makes a check-out one conditional write, so two
    // concurrent attempts have exactly one winner on SQLite and on PostgreSQL.
    await knex.schema.createTable('account_holds', (t) => {
      t.string('account_id', 64).primary().references('accounts.id').onDelete('CASCADE');
      t.string('request_id', 64).notNullable();
      t.string('user_id', 64).notNullable();
      t.string('since', 32).notNullable();
      t.string('expires_at', 32);
    });
  },
};
