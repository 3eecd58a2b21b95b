import type { Knex } from 'knex';
import { num, str, strOrNull, type Row } from './map.ts';

export interface RecordingRow {
  id: string;
  sessionId: string;
  user: string;
  target: string;
  protocol: string;
  source: string;
  startedAt: string;
  endedAt: string | null;
  path: string;
  bytes: number;
  events: number;
  /** 'recording' while the session runs, then 'complete' or 'failed'. */
  status: string;
}

const toRow = (r: Row): RecordingRow => ({
  id: str(r.id),
  sessionId: str(r.session_id),
  user: str(r.user_name),
  target: str(r.target),
  protocol: str(r.protocol),
  source: str(r.source),
  startedAt: str(r.started_at),
  endedAt: strOrNull(r.ended_at),
  path: str(r.path),
  bytes: num(r.bytes),
  events: num(r.events),
  status: str(r.status),
});

export interface RecordingFilter {
  user?: string;
  target?: string;
  /** Matches the resource part of `RESOURCE/ACCOUNT`. */
  resource?: string;
  since?: string;
  until?: string;
  limit?: number;
}

export function recordingsRepo(db: Knex | Knex.Transaction) {
  return {
    /** `dataKeyEnc`: the recording's data key, sealed (kept out of RecordingRow, which is listed). */
    async insert(r: RecordingRow, dataKeyEnc: string | null = null): Promise<void> {
      await db('recordings').insert({
        id: r.id,
        session_id: r.sessionId,
        user_name: r.user,
        target: r.target,
        protocol: r.protocol,
        source: r.source,
        started_at: r.startedAt,
        ended_at: r.endedAt,
        path: r.path,
        bytes: r.bytes,
        events: r.events,
        status: r.status,
        data_key_enc: dataKeyEnc,
      });
    },
    /** The sealed data key of a recording; null for one made before recordings were encrypted. */
    async sealedKeyOf(id: string): Promise<string | null> {
      const r = await db('recordings').where({ id }).first('data_key_enc');
      return r ? strOrNull(r.data_key_enc) : null;
    },
    async finish(
      id: string,
      patch: { endedAt: string; bytes: number; events: number; status: string },
    ): Promise<void> {
      await db('recordings')
        .where({ id })
        .update({ ended_at: patch.endedAt, bytes: patch.bytes, events: patch.events, status: patch.status });
    },
    /** Rows still marked as being recorded (live, or left behind by a killed node). */
    async unfinished(): Promise<RecordingRow[]> {
      return (await db('recordings').where({ status: 'recording' }).orderBy('started_at')).map(toRow);
    },
    async remove(id: string): Promise<boolean> {
      return num(await db('recordings').where({ id }).delete()) > 0;
    },
    async byId(id: string): Promise<RecordingRow | undefined> {
      const r = await db('recordings').where({ id }).first();
      return r ? toRow(r) : undefined;
    },
    async list(f: RecordingFilter): Promise<RecordingRow[]> {
      const q = db('recordings')
        .orderBy('started_at', 'desc')
        .limit(f.limit ?? 100);
      if (f.user) q.where({ user_name: f.user });
      if (f.target) q.where({ target: f.target });
      if (f.resource)
        q.whereRaw("target like ? escape '\\'", [`${f.resource.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`]);
      if (f.since) q.where('started_at', '>=', f.since);
      if (f.until) q.where('started_at', '<', f.until);
      return (await q).map(toRow);
    },
  };
}
