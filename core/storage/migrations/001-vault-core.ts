import type { Knex } from 'knex';
import type { Migration } from '../migrations.ts';

export const m001: Migration = {
  name: '001_vault_core',
  async up(knex) {
    // A fresh schema builder per statement: a reused builder replays its earlier statements.
    const s = {
      createTable: (name: string, fn: (t: Knex.CreateTableBuilder) => void) =>
        knex.schema.createTable(name, fn),
    };
    await s.createTable('settings', (t) => {
      t.string('key', 100).primary();
      t.text('value').notNullable();
    });
    await s.createTable('password_policies', (t) => {
      t.string('id', 64).primary();
      t.string('name', 100).notNullable().unique();
      t.text('description').notNullable().defaultTo('');
      t.boolean('builtin').notNullable().defaultTo(false);
      t.integer('min_length').notNullable();
      t.integer('max_length').notNullable();
      t.boolean('mixed_case').notNullable();
      t.integer('min_digits').notNullable();
      t.boolean('require_special').notNullable();
      t.integer('min_special').notNullable();
      t.boolean('start_with_alpha').notNullable();
      t.boolean('allow_login_name').notNullable();
      t.integer('history_count').notNullable();
      t.integer('max_age_days').notNullable();
      t.string('created_at', 32).notNullable();
    });
    await s.createTable('users', (t) => {
      t.string('id', 64).primary();
      t.string('username', 100).notNullable().unique();
      t.string('first_name', 100).notNullable().defaultTo('');
      t.string('last_name', 100).notNullable().defaultTo('');
      t.string('email', 254).notNullable().defaultTo('');
      t.string('department', 100).notNullable().defaultTo('');
      t.string('location', 100).notNullable().defaultTo('');
      t.string('role', 20).notNullable();
      t.boolean('super_admin').notNullable().defaultTo(false);
      t.string('status', 20).notNullable().defaultTo('active');
      t.text('password_hash');
      t.string('password_changed_at', 32);
      t.boolean('totp_enabled').notNullable().defaultTo(false);
      t.text('totp_secret_enc');
      t.string('tree_root_name', 200);
      t.string('created_at', 32).notNullable();
      t.string('updated_at', 32).notNullable();
    });
    await s.createTable('user_groups', (t) => {
      t.string('id', 64).primary();
      t.string('name', 100).notNullable().unique();
      t.text('description').notNullable().defaultTo('');
      // The four user-group settings, with the reference product's defaults.
      t.boolean('export_include_passwords').notNullable().defaultTo(true);
      t.boolean('allow_personal').notNullable().defaultTo(true);
      t.boolean('allow_export_personal').notNullable().defaultTo(true);
      t.boolean('allow_grant_manage_criteria').notNullable().defaultTo(false);
      t.string('created_at', 32).notNullable();
    });
    await s.createTable('user_group_members', (t) => {
      t.string('group_id', 64).notNullable().references('user_groups.id').onDelete('CASCADE');
      t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
      t.primary(['group_id', 'user_id']);
      t.index(['user_id']);
    });
    await s.createTable('resource_types', (t) => {
      t.string('id', 64).primary();
      t.string('name', 100).notNullable().unique();
      t.boolean('builtin').notNullable().defaultTo(false);
      t.string('protocol', 20).notNullable().defaultTo('none');
      t.string('reset_kind', 40);
      t.text('hidden_attributes').notNullable().defaultTo('[]');
      t.boolean('file_field_enabled').notNullable().defaultTo(false);
    });
    await s.createTable('custom_field_defs', (t) => {
      t.string('id', 64).primary();
      t.string('target', 10).notNullable();
      t.string('name', 100).notNullable();
      t.string('kind', 10).notNullable();
      t.integer('position').notNullable();
      t.unique(['target', 'name']);
    });
    await s.createTable('resources', (t) => {
      t.string('id', 64).primary();
      t.string('name', 200).notNullable().unique();
      t.string('type_id', 64).notNullable().references('resource_types.id');
      t.string('dns_name', 255).notNullable().defaultTo('');
      t.integer('port');
      t.text('description').notNullable().defaultTo('');
      t.string('department', 100).notNullable().defaultTo('');
      t.string('location', 100).notNullable().defaultTo('');
      t.text('url').notNullable().defaultTo('');
      t.string('domain_name', 255).notNullable().defaultTo('');
      t.string('policy_id', 64).references('password_policies.id');
      t.string('owner_id', 64).notNullable().references('users.id');
      t.string('created_at', 32).notNullable();
      t.string('updated_at', 32).notNullable();
      t.index(['owner_id']);
    });
    await s.createTable('accounts', (t) => {
      t.string('id', 64).primary();
      t.string('resource_id', 64).notNullable().references('resources.id').onDelete('CASCADE');
      t.string('name', 200).notNullable();
      t.text('notes').notNullable().defaultTo('');
      t.text('password_enc').notNullable();
      t.string('password_changed_at', 32).notNullable();
      t.string('password_changed_by', 100).notNullable();
      t.string('created_at', 32).notNullable();
      t.unique(['resource_id', 'name']);
    });
    await s.createTable('password_history', (t) => {
      t.string('id', 64).primary();
      t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
      t.text('password_enc').notNullable();
      t.string('changed_at', 32).notNullable();
      t.string('changed_by', 100).notNullable();
      t.string('source', 200).notNullable();
      t.index(['account_id', 'changed_at']);
    });
    await s.createTable('custom_values', (t) => {
      t.string('owner_kind', 10).notNullable();
      t.string('owner_id', 64).notNullable();
      t.string('field_id', 64).notNullable().references('custom_field_defs.id').onDelete('CASCADE');
      t.text('value_text');
      t.text('value_enc');
      t.primary(['owner_kind', 'owner_id', 'field_id']);
    });
    await s.createTable('personal_passwords', (t) => {
      t.string('id', 64).primary();
      t.string('owner_id', 64).notNullable().references('users.id').onDelete('CASCADE');
      t.string('title', 200).notNullable();
      t.string('login', 200).notNullable().defaultTo('');
      t.text('url').notNullable().defaultTo('');
      t.text('notes').notNullable().defaultTo('');
      t.text('password_enc').notNullable();
      t.string('created_at', 32).notNullable();
      t.string('updated_at', 32).notNullable();
      t.unique(['owner_id', 'title']);
    });
    await s.createTable('resource_groups', (t) => {
      t.string('id', 64).primary();
      t.string('name', 200).notNullable();
      t.text('description').notNullable().defaultTo('');
      t.string('kind', 10).notNullable();
      t.string('owner_id', 64).notNullable().references('users.id');
      t.string('parent_id', 64).references('resource_groups.id').onDelete('SET NULL');
      t.string('policy_id', 64).references('password_policies.id');
      t.text('criteria');
      t.string('match', 3).notNullable().defaultTo('all');
      t.string('created_at', 32).notNullable();
      t.unique(['owner_id', 'name']);
    });
    await s.createTable('resource_group_members', (t) => {
      t.string('group_id', 64).notNullable().references('resource_groups.id').onDelete('CASCADE');
      t.string('resource_id', 64).notNullable().references('resources.id').onDelete('CASCADE');
      t.primary(['group_id', 'resource_id']);
      t.index(['resource_id']);
    });
    await s.createTable('shares', (t) => {
      t.string('id', 64).primary();
      t.string('object_kind', 10).notNullable();
      t.string('object_id', 64).notNullable();
      t.string('grantee_kind', 10).notNullable();
      t.string('grantee_id', 64).notNullable();
      t.string('privilege', 10).notNullable();
      t.string('granted_by', 100).notNullable();
      t.string('granted_at', 32).notNullable();
      t.unique(['object_kind', 'object_id', 'grantee_kind', 'grantee_id']);
      t.index(['grantee_kind', 'grantee_id']);
    });
    await s.createTable('favourites', (t) => {
      t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
      t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
      t.string('created_at', 32).notNullable();
      t.primary(['user_id', 'account_id']);
    });
    await s.createTable('recents', (t) => {
      t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
      t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
      t.string('accessed_at', 32).notNullable();
      t.primary(['user_id', 'account_id']);
    });
    await s.createTable('explorer_tree_versions', (t) => {
      t.increments('version').primary();
      t.text('tree').notNullable();
      t.string('changed_by', 100).notNullable();
      t.string('changed_at', 32).notNullable();
      t.string('note', 200).notNullable().defaultTo('');
    });
    await s.createTable('audit_events', (t) => {
      t.bigInteger('seq').primary();
      t.string('id', 64).notNullable().unique();
      t.string('at', 32).notNullable();
      t.string('type', 60).notNullable();
      t.string('code', 10).notNullable();
      t.string('actor', 120).notNullable();
      t.string('source', 200).notNullable();
      t.string('target_kind', 30).notNullable();
      t.string('target_name', 400).notNullable();
      t.string('result', 10).notNullable();
      t.text('details').notNullable();
      t.string('prev_hash', 64).notNullable();
      t.string('hash', 64).notNullable();
      t.index(['type']);
      t.index(['at']);
    });
    // One row: the chain's head. Updating it inside the appending transaction serialises appends
    // (a row lock on PostgreSQL, the single writer on SQLite), so the chain never forks.
    await s.createTable('audit_head', (t) => {
      t.integer('id').primary();
      t.bigInteger('seq').notNullable();
      t.string('hash', 64).notNullable();
    });
    await knex('audit_head').insert({ id: 1, seq: 0, hash: '0'.repeat(64) });
    await installAppendOnlyGuards(knex);
  },
};

/** The audit table refuses UPDATE and DELETE at the database level, not just in our code. */
async function installAppendOnlyGuards(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.raw(`
      CREATE FUNCTION custody_audit_append_only() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql`);
    await knex.raw(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION custody_audit_append_only()`);
  } else {
    await knex.raw(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`);
    await knex.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`);
  }
}
