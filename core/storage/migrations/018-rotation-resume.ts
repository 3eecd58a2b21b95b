import type { Migration } from '../migrations.ts';

export const m018: Migration = {
  name: '018_rotation_resume',
  async up(knex) {
    // A scheduled rotation run remembers the fencing token of the lease it was started under, so
    // the node that next holds the rotation job (a larger token) knows the run's first holder is
    // gone and finishes it: a run still open under an older token is never being worked on.
    await knex.schema.alterTable('rotation_runs', (t) => {
      t.bigInteger('lease_token').nullable();
    });
    // A reset a rotation run started names that run, so whoever finishes the run settles the
    // reset its first holder left half-done (and only those: a reset someone else has in flight
    // on another node is not touched).
    await knex.schema.alterTable('pending_resets', (t) => {
      t.string('run_id', 64).nullable();
      t.index(['run_id']);
    });
  },
};
