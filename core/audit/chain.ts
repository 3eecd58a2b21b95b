import { createHash } from 'node:crypto';
import type { AuditRecord } from '../model.ts';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of a row covers its position (seq), its content and its predecessor's hash, so an
 * edited, deleted or reordered row breaks the chain at a row `custody audit verify` can name.
 */
export function hashRecord(r: Omit<AuditRecord, 'hash'>): string {
  const canonical = JSON.stringify([
    r.seq,
    r.id,
    r.at,
    r.type,
    r.code,
    r.actor,
    r.source,
    r.targetKind,
    r.targetName,
    r.result,
    r.details,
    r.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ChainProblem {
  seq: number;
  reason: string;
}

/**
 * Checks one row against the row before it. Returns the problem, or undefined when the link holds.
 */
export function checkLink(prev: { seq: number; hash: string }, row: AuditRecord): ChainProblem | undefined {
  if (row.seq !== prev.seq + 1) {
    return row.seq > prev.seq + 1
      ? {
          seq: row.seq,
          reason: `row ${prev.seq + 1}${row.seq - prev.seq > 2 ? `–${row.seq - 1}` : ''} is missing before row ${row.seq} (deleted)`,
        }
      : { seq: row.seq, reason: `row ${row.seq} is out of order after row ${prev.seq} (reordered)` };
  }
  if (row.prevHash !== prev.hash) {
    return {
      seq: row.seq,
      reason: `row ${row.seq} does not follow row ${prev.seq} (previous-hash mismatch: deleted or reordered)`,
    };
  }
  if (hashRecord(row) !== row.hash) {
    return { seq: row.seq, reason: `row ${row.seq} does not match its hash (edited)` };
  }
  return undefined;
}
