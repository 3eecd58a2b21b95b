import type { Migration } from '../migrations.ts';

export const m012: Migration = {
  name: '012_recording_keys',
  async up(knex) {
    // Each recording's own data key, sealed by the master keyring with the row's identity as
    // associated data. It lives here rather than in the recording's file so that key rotation
    // re-wraps it the way it re-wraps every other sealed column (in batches, one transaction each,
    // resumable), without rewriting a recording. Null for recordings made before encryption.
    await knex.schema.alterTable('recordings', (t) => {
      t.text('data_key_enc').nullable();
    });
    // Whether SFTP recordings of a resource keep the file contents read and written, not only the
    // operations: off unless an administrator turns it on for that resource.
    await knex.schema.alterTable('resources', (t) => {
      t.boolean('record_file_contents').notNullable().defaultTo(false);
    });
  },
};
