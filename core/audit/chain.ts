import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditRecord } from '../model.ts';

export const GENESIS_HASH = '0'.repeat(64);

function canonicalOf(r: Omit<AuditRecord, 'hash'>): string {
  return JSON.stringify([
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
}

/**
 * The unkeyed SHA-256 of a row (how rows were chained before the chain was keyed): it covers its
 * position (seq), its content and its predecessor's hash. Anyone who can write the database can
 * recompute it, so it only holds for rows written before the chain was keyed.
 */
export function hashRecord(r: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalOf(r)).digest('hex');
}

/** The audit key as the key file holds it: the chain is keyed from row `fromSeq` on. */
export interface AuditChainKey {
  material: Buffer;
  fromSeq: number;
}

/**
 * How each row's link is computed. From `fromSeq` on, a row's hash is HMAC-SHA256 under the audit
 * key (kept in the key file, never in the database) over the same canonical form, so editing a row
 * and recomputing the chain needs the key. Rows before `fromSeq` keep their SHA-256; the first
 * keyed row covers the last of them through its previous hash, so they cannot be rewritten either
 * without breaking that keyed row.
 */
export class AuditChain {
  readonly #key: Buffer | undefined;
  readonly fromSeq: number;

  constructor(key?: AuditChainKey) {
    this.#key = key ? Buffer.from(key.material) : undefined;
    this.fromSeq = key ? key.fromSeq : Number.POSITIVE_INFINITY;
  }

  get keyed(): boolean {
    return this.#key !== undefined;
  }

  hash(r: Omit<AuditRecord, 'hash'>): string {
    if (this.#key && r.seq >= this.fromSeq)
      return createHmac('sha256', this.#key).update(canonicalOf(r)).digest('hex');
    return hashRecord(r);
  }

  /** The MAC of an exported checkpoint (the chain's head at a moment), under the same key. */
  checkpointMac(c: { seq: number; hash: string; at: string }): string {
    if (!this.#key) throw new Error('the audit chain is not keyed');
    return createHmac('sha256', this.#key)
      .update(JSON.stringify(['custody-audit-checkpoint/1', c.seq, c.hash, c.at]))
      .digest('hex');
  }

  checkpointMacMatches(c: { seq: number; hash: string; at: string; mac: string }): boolean {
    const want = Buffer.from(this.checkpointMac(c), 'hex');
    const got = Buffer.from(c.mac, 'hex');
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

export interface ChainProblem {
  seq: number;
  reason: string;
}

/**
 * Checks one row against the row before it. Returns the problem, or undefined when the link holds.
 */
export function checkLink(
  prev: { seq: number; hash: string },
  row: AuditRecord,
  chain: AuditChain,
): ChainProblem | undefined {
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
  if (chain.hash(row) !== row.hash) {
    return {
      seq: row.seq,
      reason:
        row.seq >= chain.fromSeq
          ? `row ${row.seq} does not match its hash (edited, or rehashed without the audit key)`
          : `row ${row.seq} does not match its hash (edited)`,
    };
  }
  return undefined;
}
