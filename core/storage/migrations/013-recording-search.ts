import type { Migration } from '../migrations.ts';

export const m013: Migration = {
  name: '013_recording_search',
  async up(knex) {
    // What a terminal showed and what was typed, one row per line, with its offset from the start
    // of the recording. Plaintext by design (a full-text index cannot be searched encrypted): it
    // lives in the database, never under the recordings folder, and `[recordings] search_index`
    // turns its filling off. Removing a recording removes its rows.
    await knex.schema.createTable('recording_lines', (t) => {
      t.bigIncrements('id').primary();
      t.string('recording_id', 64).notNullable();
      t.bigInteger('at_ms').notNullable();
      // 'screen' (a rendered line), 'command' (a line typed at a prompt) or 'marker'.
      t.string('kind', 10).notNullable();
      t.text('line').notNullable();
      t.index(['recording_id', 'at_ms']);
    });
    if (knex.client.config.client === 'pg') {
      // The 'simple' configuration: commands and output are not a natural language, so no word is
      // stemmed or dropped as a stop word (`ls`, `a`, `is` must stay findable). Everything but
      // letters, digits and `_` separates words first, as FTS5's tokenizer does on SQLite: the
      // parser would otherwise keep `/var/log/audit.log` as one token that `audit.log` never matches.
      await knex.raw(
        'ALTER TABLE recording_lines ADD COLUMN tsv tsvector GENERATED ALWAYS AS ' +
          "(to_tsvector('simple', regexp_replace(line, '[^[:alnum:]_]+', ' ', 'g'))) STORED",
      );
      await knex.raw('CREATE INDEX recording_lines_tsv ON recording_lines USING GIN (tsv)');
    } else {
      // An external-content FTS5 table over recording_lines: the text is stored once, and the
      // triggers keep the full-text index in step with inserts and deletes.
      await knex.raw(
        "CREATE VIRTUAL TABLE recording_lines_fts USING fts5(line, content='recording_lines', content_rowid='id')",
      );
      await knex.raw(
        'CREATE TRIGGER recording_lines_ai AFTER INSERT ON recording_lines BEGIN ' +
          'INSERT INTO recording_lines_fts(rowid, line) VALUES (new.id, new.line); END',
      );
      await knex.raw(
        'CREATE TRIGGER recording_lines_ad AFTER DELETE ON recording_lines BEGIN ' +
          "INSERT INTO recording_lines_fts(recording_lines_fts, rowid, line) VALUES ('delete', old.id, old.line); END",
      );
    }
    // A legal hold keeps a recording from every purge, manual or by retention, until released.
    await knex.schema.createTable('recording_holds', (t) => {
      t.string('recording_id', 64).primary();
      t.text('reason').notNullable();
      t.string('held_by', 100).notNullable();
      t.string('held_at', 32).notNullable();
    });
  },
};
