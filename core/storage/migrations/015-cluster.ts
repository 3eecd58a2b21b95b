import type { Migration } from '../migrations.ts';

export const m015: Migration = {
  name: '015_cluster',
  async up(knex) {
    // Cluster mode keeps its truth here (PostgreSQL in a cluster; the tables exist but stay empty
    // on a single SQLite node). Redis only carries presence and the wake-up for commands, so a
    // Redis restart loses nothing that these rows do not already hold.

    // One row per node: the heartbeat the reaper compares against the cluster's bound.
    await knex.schema.createTable('cluster_nodes', (t) => {
      t.string('name', 200).primary();
      t.string('advertise_address', 300).notNullable();
      t.string('started_at', 32).notNullable();
      t.string('heartbeat_at', 32).notNullable();
    });
    // Live sessions of every node. `state` only moves forward (opening → live → ended or lost),
    // so a late write from a session already ended or reaped changes nothing.
    await knex.schema.createTable('cluster_sessions', (t) => {
      t.string('id', 200).primary();
      t.string('node', 200).notNullable();
      t.string('state', 16).notNullable();
      t.string('user_name', 200).notNullable();
      t.string('target', 400).notNullable();
      t.string('request_id', 64).nullable();
      t.string('started_at', 32).notNullable();
      t.text('info').notNullable();
      t.bigInteger('bytes_in').notNullable().defaultTo(0);
      t.bigInteger('bytes_out').notNullable().defaultTo(0);
      t.string('ended_at', 32).nullable();
      t.string('end_reason', 400).nullable();
      t.index(['state', 'node']);
      t.index(['request_id']);
    });
    // Commands to the node that owns a session: the durable record behind the Redis stream entry.
    // `done_at` is set once, by the owner, so a command delivered twice acts once.
    await knex.schema.createTable('cluster_commands', (t) => {
      t.string('id', 64).primary();
      t.string('session_id', 200).notNullable();
      t.string('target_node', 200).notNullable();
      t.string('kind', 32).notNullable();
      t.text('args').notNullable();
      t.string('requested_by', 200).notNullable();
      t.string('created_at', 32).notNullable();
      t.string('done_at', 32).nullable();
      t.index(['target_node', 'done_at']);
    });
    // Run-once jobs: who holds each lease, until when, and the fencing token that grows with
    // every new holder (a write carrying an older token is refused).
    await knex.schema.createTable('cluster_leases', (t) => {
      t.string('job', 100).primary();
      t.string('holder', 200).notNullable();
      t.bigInteger('token').notNullable();
      t.string('expires_at', 32).notNullable();
    });
  },
};
