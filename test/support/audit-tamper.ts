// Tampering with the audit trail as someone with write access to the database (but not to the
// key file) would, bypassing Custody. Only tests use it.
import type { Knex } from 'knex';
import { hashRecord } from '../../core/audit/chain.ts';

/**
 * What someone with write access to the database (but not the key file) can do: edit row `seq`,
 * then recompute every later row's SHA-256 link and the head, exactly as the unkeyed chain did.
 * Returns the last seq.
 */
export async function rewriteWithSha256(
  db: Knex,
  seq: number,
  edit: Record<string, unknown>,
): Promise<number> {
  const rows = await db('audit_events').where('seq', '>=', seq).orderBy('seq');
  let prevHash = String((await db('audit_events').where('seq', seq).first()).prev_hash);
  let last = seq;
  for (const [i, raw] of rows.entries()) {
    const row = i === 0 ? { ...raw, ...edit } : raw;
    const rec = {
      seq: Number(row.seq),
      id: row.id,
      at: row.at,
      type: row.type,
      code: row.code,
      actor: row.actor,
      source: row.source,
      targetKind: row.target_kind,
      targetName: row.target_name,
      result: row.result,
      details: row.details,
      prevHash,
    };
    const hash = hashRecord(rec);
    await db('audit_events')
      .where('seq', rec.seq)
      .update({ ...(i === 0 ? edit : {}), prev_hash: prevHash, hash });
    prevHash = hash;
    last = rec.seq;
  }
  await db('audit_head').where({ id: 1 }).update({ seq: last, hash: prevHash });
  return last;
}
