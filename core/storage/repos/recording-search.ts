import type { Knex } from 'knex';
import { likeEscape, num, str, type Row } from './map.ts';

export type IndexedLineKind = 'screen' | 'command' | 'marker';

export interface IndexedLine {
  recordingId: string;
  /** Milliseconds from the start of the recording. */
  atMs: number;
  kind: IndexedLineKind;
  line: string;
}

export interface LineSearch {
  /** Words to find, in this order (a phrase); case does not matter. */
  text: string;
  user?: string;
  /** The resource part of `RESOURCE/ACCOUNT`. */
  resource?: string;
  since?: string;
  until?: string;
  limit: number;
}

export interface LineHit extends IndexedLine {
  user: string;
  target: string;
  startedAt: string;
}

export interface RecordingHoldRow {
  recordingId: string;
  reason: string;
  heldBy: string;
  heldAt: string;
}

/**
 * The words of `text` as one FTS5 phrase: each word quoted, so nothing the user types is read as
 * query syntax (AND, NEAR, a column filter, a prefix star).
 */
export function fts5Phrase(text: string): string {
  return searchWords(text)
    .map((w) => `"${w}"`)
    .join(' + ');
}

/** The words of a text as both backends split lines: runs of letters, digits and `_`. */
export function searchWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

const toHit = (r: Row): LineHit => ({
  recordingId: str(r.recording_id),
  atMs: num(r.at_ms),
  kind: str(r.kind) as IndexedLineKind,
  line: str(r.line),
  user: str(r.user_name),
  target: str(r.target),
  startedAt: str(r.started_at),
});

export function recordingSearchRepo(db: Knex | Knex.Transaction, driver: 'sqlite' | 'postgres') {
  return {
    async insert(lines: readonly IndexedLine[]): Promise<void> {
      // Bounded statements: SQLite allows 32766 variables per statement, four per row here.
      for (let i = 0; i < lines.length; i += 500)
        await db('recording_lines').insert(
          lines.slice(i, i + 500).map((l) => ({
            recording_id: l.recordingId,
            at_ms: l.atMs,
            kind: l.kind,
            line: l.line,
          })),
        );
    },
    /** Matching lines, newest recording first, then by time within a recording. */
    async search(q: LineSearch): Promise<LineHit[]> {
      const query = db('recording_lines as l')
        .join('recordings as r', 'r.id', 'l.recording_id')
        .select('l.recording_id', 'l.at_ms', 'l.kind', 'l.line', 'r.user_name', 'r.target', 'r.started_at')
        .orderBy([
          { column: 'r.started_at', order: 'desc' },
          { column: 'l.recording_id', order: 'asc' },
          { column: 'l.at_ms', order: 'asc' },
        ])
        .limit(q.limit);
      const words = searchWords(q.text);
      if (words.length === 0) return [];
      if (driver === 'postgres') query.whereRaw("l.tsv @@ phraseto_tsquery('simple', ?)", [words.join(' ')]);
      else {
        const phrase = fts5Phrase(q.text);
        query.whereRaw('l.id in (select rowid from recording_lines_fts where recording_lines_fts match ?)', [
          phrase,
        ]);
      }
      if (q.user) query.where('r.user_name', q.user);
      if (q.resource) query.whereRaw("r.target like ? escape '\\'", [`${likeEscape(q.resource)}/%`]);
      if (q.since) query.where('r.started_at', '>=', q.since);
      if (q.until) query.where('r.started_at', '<', q.until);
      return (await query).map(toHit);
    },
    /** The markers and detected commands of one recording, in time order. */
    async markers(recordingId: string): Promise<IndexedLine[]> {
      const rows = await db('recording_lines')
        .where({ recording_id: recordingId })
        .whereIn('kind', ['marker', 'command'])
        .orderBy([{ column: 'at_ms' }, { column: 'id' }]);
      return rows.map((r: Row) => ({
        recordingId: str(r.recording_id),
        atMs: num(r.at_ms),
        kind: str(r.kind) as IndexedLineKind,
        line: str(r.line),
      }));
    },
    async removeFor(recordingId: string): Promise<number> {
      return num(await db('recording_lines').where({ recording_id: recordingId }).delete());
    },
    async hold(h: RecordingHoldRow): Promise<void> {
      await db('recording_holds')
        .insert({ recording_id: h.recordingId, reason: h.reason, held_by: h.heldBy, held_at: h.heldAt })
        .onConflict('recording_id')
        .merge();
    },
    async release(recordingId: string): Promise<boolean> {
      return num(await db('recording_holds').where({ recording_id: recordingId }).delete()) > 0;
    },
    async holdOf(recordingId: string): Promise<RecordingHoldRow | undefined> {
      const r = (await db('recording_holds').where({ recording_id: recordingId }).first()) as Row | undefined;
      return r
        ? {
            recordingId: str(r.recording_id),
            reason: str(r.reason),
            heldBy: str(r.held_by),
            heldAt: str(r.held_at),
          }
        : undefined;
    },
    async holds(): Promise<RecordingHoldRow[]> {
      return (await db('recording_holds').orderBy('held_at')).map((r: Row) => ({
        recordingId: str(r.recording_id),
        reason: str(r.reason),
        heldBy: str(r.held_by),
        heldAt: str(r.held_at),
      }));
    },
  };
}
