import type { Knex } from 'knex';
import type { AuditRecord, AuditResult } from '../../model.ts';
import { num, str, type Row } from './map.ts';

const toRecord = (r: Row): AuditRecord => ({
  seq: num(r.seq),
  id: str(r.id),
  at: str(r.at),
  type: str(r.type),
  code: str(r.code),
  actor: str(r.actor),
  source: str(r.source),
  targetKind: str(r.target_kind),
  targetName: str(r.target_name),
  result: str(r.result) as AuditResult,
  details: str(r.details),
  prevHash: str(r.prev_hash),
  hash: str(r.hash),
});

export interface AuditQuery {
  type?: string;
  actor?: string;
  target?: string;
  result?: AuditResult;
  since?: string;
  until?: string;
  limit?: number;
}

/**
 * `lockedHead`: the head as the transaction read it while taking the write lock (SQLite: no other
 * writer can move it until the commit), kept up to date by `append`, so appending reads nothing.
 */
export function auditRepo(
  db: Knex | Knex.Transaction,
  driver: 'sqlite' | 'postgres',
  lockedHead?: { seq: number; hash: string },
) {
  let known = lockedHead;
  return {
    /** Locks the chain head for the rest of the transaction (PostgreSQL row lock). */
    async head(): Promise<{ seq: number; hash: string }> {
      if (known) return known;
      const q = db('audit_head').where({ id: 1 });
      const r = driver === 'postgres' ? await q.forUpdate().first() : await q.first();
      return { seq: num(r?.seq ?? 0), hash: str(r?.hash) };
    },
    async append(rec: AuditRecord): Promise<void> {
      await db('audit_events').insert({
        seq: rec.seq,
        id: rec.id,
        at: rec.at,
        type: rec.type,
        code: rec.code,
        actor: rec.actor,
        source: rec.source,
        target_kind: rec.targetKind,
        target_name: rec.targetName,
        result: rec.result,
        details: rec.details,
        prev_hash: rec.prevHash,
        hash: rec.hash,
      });
      await db('audit_head').where({ id: 1 }).update({ seq: rec.seq, hash: rec.hash });
      if (known) known = { seq: rec.seq, hash: rec.hash };
    },
    /** In chain order, a page at a time, for verification. */
    async page(afterSeq: number, limit: number): Promise<AuditRecord[]> {
      return (await db('audit_events').where('seq', '>', afterSeq).orderBy('seq').limit(limit)).map(toRecord);
    },
    async query(q: AuditQuery): Promise<AuditRecord[]> {
      const b = db('audit_events')
        .orderBy('seq', 'desc')
        .limit(q.limit ?? 100);
      if (q.type) b.where('type', 'like', `${q.type}%`);
      if (q.actor) b.where({ actor: q.actor });
      if (q.target) b.where({ target_name: q.target });
      if (q.result) b.where({ result: q.result });
      if (q.since) b.where('at', '>=', q.since);
      if (q.until) b.where('at', '<', q.until);
      return (await b).map(toRecord);
    },
  };
}
