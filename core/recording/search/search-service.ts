/**
 * Searching recordings by what their terminals showed and what was typed in them, and the markers
 * a player lists. Who may search is who may list and replay recordings (`recording.search` has
 * the same roles as `recording.list`); every search is audited with its words and filters.
 */
import type { Actor } from '../../authz/actor.ts';
import type { CoreContext } from '../../context.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { checkText } from '../../identity/names.ts';
import type { IndexedLine, IndexedLineKind, LineHit } from '../../storage/repos/index.ts';
import type { LineSink } from './indexing-recorder.ts';

export interface RecordingSearchFilter {
  user?: string;
  /** The resource part of `RESOURCE/ACCOUNT`. */
  resource?: string;
  /** Recordings started at or after / before (ISO). */
  since?: string;
  until?: string;
  /** At most this many hits (default 100, at most 1000). */
  limit?: number;
}

export interface RecordingHit {
  recordingId: string;
  /** Seconds from the start of the recording (where a player opens for this hit). */
  offset: number;
  kind: IndexedLineKind;
  line: string;
  user: string;
  target: string;
  startedAt: string;
}

export interface RecordingMarker {
  offset: number;
  /** `marker` (session start, shadow, terminate, check-out end) or a detected `command`. */
  kind: IndexedLineKind;
  label: string;
}

export class RecordingSearchService {
  constructor(private readonly ctx: CoreContext) {}

  /** Whether sessions fill the index (`[recordings] search_index`). */
  get indexing(): boolean {
    return this.ctx.config.recordings.search_index;
  }

  /** Where the gateway's indexing recorders send their batches; null with indexing off. */
  sink(): LineSink | null {
    if (!this.indexing) return null;
    return (lines: IndexedLine[]) => this.ctx.store.tx((r) => r.recordingSearch.insert(lines));
  }

  async search(actor: Actor, text: string, filter: RecordingSearchFilter = {}): Promise<RecordingHit[]> {
    const words = checkText('search text', text, 200);
    if (!words) throw new ValidationError('give the text to search for', { field: 'text' });
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    return this.ctx.run(actor, 'recording.search', { kind: 'recording', name: 'search' }, async (s) => {
      this.ctx.authz.require(actor, 'recording.search');
      const hits: LineHit[] = await s.repos.recordingSearch.search({ ...filter, text: words, limit });
      await s.audit(
        'recording.search',
        { kind: 'recording', name: 'search' },
        {
          text: words,
          ...(filter.user ? { user: filter.user } : {}),
          ...(filter.resource ? { resource: filter.resource } : {}),
          ...(filter.since ? { since: filter.since } : {}),
          ...(filter.until ? { until: filter.until } : {}),
          hits: hits.length,
        },
      );
      return hits.map((h) => ({
        recordingId: h.recordingId,
        offset: h.atMs / 1000,
        kind: h.kind,
        line: h.line,
        user: h.user,
        target: h.target,
        startedAt: h.startedAt,
      }));
    });
  }

  /**
   * The markers and detected commands of one recording, for the player's list. Replaying is what
   * authorises this (opening the reader is audited); reading the list adds no audit row of its own.
   */
  async markers(actor: Actor, recordingId: string): Promise<RecordingMarker[]> {
    return this.ctx.run(actor, 'recording.export', { kind: 'recording', name: recordingId }, async (s) => {
      this.ctx.authz.require(actor, 'recording.export');
      if (!(await s.repos.recordings.byId(recordingId))) throw new NotFoundError('recording', recordingId);
      const rows = await s.repos.recordingSearch.markers(recordingId);
      return rows.map((m) => ({ offset: m.atMs / 1000, kind: m.kind, label: m.line }));
    });
  }
}
