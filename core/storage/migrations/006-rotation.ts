import type { Migration } from '../migrations.ts';

export const m006: Migration = {
  name: '006_rotation',
  async up(knex) {
    // Scheduled rotation per resource group. No secret is stored here: a common password
    // is generated afresh for every run and only ever lands in the accounts themselves.
    await knex.schema.createTable('rotation_tasks', (t) => {
      t.string('id', 64).primary();
      t.string('name', 100).notNullable().unique();
      t.string('group_id', 64).notNullable().references('resource_groups.id').onDelete('CASCADE');
      // once | days | monthly, with once_at, every_days or month_day; at_time is HH:MM (UTC).
      t.string('schedule_kind', 10).notNullable();
      t.string('once_at', 32);
      t.integer('every_days');
      t.integer('month_day');
      t.string('at_time', 5).notNullable();
      // unique: a random password per account from its policy; common: one for all, new each run.
      t.string('password_mode', 10).notNullable();
      t.integer('notify_before_minutes');
      // The account used to log in on every resource (sudo chpasswd); null = each account itself.
      t.string('admin_account', 200);
      // null once a one-off task has run.
      t.string('next_run_at', 32);
      // The next_run_at whose pre-notification went out (sent once per occurrence).
      t.string('notified_for', 32);
      t.string('created_by', 200).notNullable();
      t.string('created_at', 32).notNullable();
      t.index(['next_run_at']);
    });
    await knex.schema.createTable('rotation_runs', (t) => {
      t.string('id', 64).primary();
      t.string('task_id', 64).notNullable().references('rotation_tasks.id').onDelete('CASCADE');
      t.string('trigger', 20).notNullable();
      t.string('actor', 200).notNullable();
      t.string('started_at', 32).notNullable();
      t.string('finished_at', 32);
      t.integer('changed').notNullable().defaultTo(0);
      t.integer('skipped').notNullable().defaultTo(0);
      t.integer('failed').notNullable().defaultTo(0);
      t.index(['task_id', 'started_at']);
    });
    await knex.schema.createTable('rotation_results', (t) => {
      t.string('id', 64).primary();
      t.string('run_id', 64).notNullable().references('rotation_runs.id').onDelete('CASCADE');
      t.string('account', 400).notNullable();
      // changed | skipped | failed
      t.string('outcome', 10).notNullable();
      t.string('reason', 400).notNullable().defaultTo('');
      t.string('at', 32).notNullable();
      t.index(['run_id']);
    });
  },
};
