import type { Migration } from '../migrations.ts';

export const m002: Migration = {
  name: '002_gateway',
  async up(knex) {
    await knex.schema.alterTable('accounts', (t) => {
      // 'password' or 'private-key' (the secret then holds an OpenSSH/PEM private key).
      t.string('credential_kind', 20).notNullable().defaultTo('password');
    });
    await knex.schema.alterTable('resources', (t) => {
      t.boolean('allow_port_forwarding').notNullable().defaultTo(false);
    });
    await knex.schema.createTable('user_ssh_keys', (t) => {
      t.string('id', 64).primary();
      t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
      t.string('algorithm', 40).notNullable();
      t.text('public_key').notNullable();
      t.string('fingerprint', 80).notNullable();
      t.string('comment', 200).notNullable().defaultTo('');
      t.string('created_at', 32).notNullable();
      t.unique(['user_id', 'fingerprint']);
    });
    // Failed-login counters per user name and per source address (lockout survives a restart).
    await knex.schema.createTable('login_failures', (t) => {
      t.string('kind', 10).notNullable();
      t.string('subject', 200).notNullable();
      t.integer('failures').notNullable();
      t.string('locked_until', 32);
      t.string('updated_at', 32).notNullable();
      t.primary(['kind', 'subject']);
    });
    await knex.schema.createTable('totp_state', (t) => {
      t.string('user_id', 64).primary().references('users.id').onDelete('CASCADE');
      // The last accepted time step: a code is good once (RFC 6238 §5.2 replay advice).
      t.bigInteger('last_step').notNullable();
    });
    await knex.schema.createTable('landing_servers', (t) => {
      t.string('id', 64).primary();
      t.string('name', 100).notNullable().unique();
      t.text('description').notNullable().defaultTo('');
      t.string('location', 100).notNullable().defaultTo('');
      t.string('primary_account_id', 64).notNullable().references('accounts.id');
      t.string('secondary_account_id', 64).references('accounts.id');
      t.string('created_at', 32).notNullable();
    });
    // "landing L is associated with resource R": R is reached through L.
    await knex.schema.createTable('landing_associations', (t) => {
      t.string('landing_id', 64).notNullable().references('landing_servers.id').onDelete('CASCADE');
      t.string('resource_id', 64).notNullable().references('resources.id').onDelete('CASCADE');
      t.primary(['landing_id', 'resource_id']);
      t.index(['resource_id']);
    });
    await knex.schema.createTable('host_keys', (t) => {
      t.string('resource_id', 64).notNullable().references('resources.id').onDelete('CASCADE');
      t.string('key_type', 40).notNullable();
      t.string('fingerprint', 100).notNullable();
      t.string('first_seen', 32).notNullable();
      t.primary(['resource_id', 'key_type']);
    });
    await knex.schema.createTable('recordings', (t) => {
      t.string('id', 64).primary();
      t.string('session_id', 64).notNullable();
      t.string('user_name', 100).notNullable();
      t.string('target', 400).notNullable();
      t.string('protocol', 20).notNullable();
      t.string('source', 200).notNullable();
      t.string('started_at', 32).notNullable();
      t.string('ended_at', 32);
      t.text('path').notNullable();
      t.bigInteger('bytes').notNullable().defaultTo(0);
      t.integer('events').notNullable().defaultTo(0);
      t.string('status', 20).notNullable();
      t.index(['started_at']);
      t.index(['user_name']);
      t.index(['target']);
    });
  },
};
