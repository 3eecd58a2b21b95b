import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import type { AuditRecord } from '../model.ts';
import type { AuditQuery, Repos } from '../storage/repos/index.ts';
import { checkLink, GENESIS_HASH, type AuditChain, type ChainProblem } from './chain.ts';

export interface VerifyReport {
  ok: boolean;
  rows: number;
  /** The row from which on each row's hash is keyed (HMAC under the audit key). */
  keyedFrom?: number;
  /** Set when a checkpoint was given and it holds (its row is in the chain with its hash). */
  checkpoint?: { seq: number; at: string };
  firstBad?: ChainProblem;
}

/**
 * The chain's head at a moment, MACed with the audit key, to be kept off the database: a later
 * verify against it catches the newest rows deleted together with the head.
 */
export interface AuditCheckpoint {
  format: 'custody-audit-checkpoint/1';
  seq: number;
  hash: string;
  at: string;
  mac: string;
}

const PAGE = 2000;

type Walk =
  | { ok: true; rows: number; last: { seq: number; hash: string } }
  | {
      ok: false;
      rows: number;
      firstBad: ChainProblem;
    };

/**
 * Walks the chain from the first row: each row must follow its predecessor (seq, previous hash)
 * and match its own hash; the head row must point at the last one. `at` sees each row's hash.
 */
export async function walkChain(
  r: Repos,
  chain: AuditChain,
  at?: (seq: number, hash: string) => void,
): Promise<Walk> {
  let prev = { seq: 0, hash: GENESIS_HASH };
  let rows = 0;
  for (;;) {
    const page = await r.audit.page(prev.seq, PAGE);
    if (!page.length) break;
    for (const row of page) {
      const problem = checkLink(prev, row, chain);
      if (problem) return { ok: false, rows, firstBad: problem };
      prev = { seq: row.seq, hash: row.hash };
      at?.(row.seq, row.hash);
      rows++;
    }
  }
  const head = await r.audit.head();
  if (head.seq !== prev.seq || head.hash !== prev.hash) {
    return {
      ok: false,
      rows,
      firstBad: {
        seq: prev.seq + 1,
        reason: `rows after ${prev.seq} are missing (the chain head is at ${head.seq})`,
      },
    };
  }
  return { ok: true, rows, last: prev };
}

/** Reads an exported checkpoint; anything but the exact shape is refused. */
export function parseCheckpoint(text: string): AuditCheckpoint {
  let v: Partial<AuditCheckpoint>;
  try {
    v = JSON.parse(text) as Partial<AuditCheckpoint>;
  } catch {
    throw new ValidationError('the checkpoint is not valid JSON');
  }
  if (
    v?.format !== 'custody-audit-checkpoint/1' ||
    !Number.isInteger(v.seq) ||
    typeof v.hash !== 'string' ||
    typeof v.at !== 'string' ||
    typeof v.mac !== 'string'
  ) {
    throw new ValidationError('the checkpoint has an unknown format');
  }
  return v as AuditCheckpoint;
}

/** Reading and verifying the audit trail (auditors and administrators). */
export class AuditService {
  constructor(private readonly ctx: CoreContext) {}

  async query(actor: Actor, q: AuditQuery): Promise<AuditRecord[]> {
    return this.ctx.run(actor, 'audit.read', { kind: 'audit', name: 'query' }, async (s) => {
      this.ctx.authz.require(actor, 'audit.read');
      return s.repos.audit.query({ ...q, limit: Math.min(q.limit ?? 100, 10_000) });
    });
  }

  /**
   * Walks the whole chain (see walkChain). With a checkpoint, its MAC must hold under the audit
   * key and the chain must still hold its row with the same hash (catches truncation of the
   * newest rows together with the head, which the chain alone cannot see).
   */
  async verify(actor: Actor, o: { checkpoint?: AuditCheckpoint } = {}): Promise<VerifyReport> {
    this.ctx.authz.require(actor, 'audit.verify');
    const chain = this.ctx.auditLog.chain;
    const cp = o.checkpoint;
    const report = await this.ctx.store.read(async (r): Promise<VerifyReport> => {
      const keyedFrom = chain.keyed ? { keyedFrom: chain.fromSeq } : {};
      if (cp && (!chain.keyed || !chain.checkpointMacMatches(cp))) {
        return {
          ok: false,
          rows: 0,
          ...keyedFrom,
          firstBad: {
            seq: cp.seq,
            reason: `the checkpoint of ${cp.at} does not carry a valid MAC under this audit key (forged or from another vault)`,
          },
        };
      }
      let cpHash: string | undefined;
      const walk = await walkChain(r, chain, (seq, hash) => {
        if (cp && seq === cp.seq) cpHash = hash;
      });
      if (!walk.ok) return { ok: false, rows: walk.rows, ...keyedFrom, firstBad: walk.firstBad };
      if (cp) {
        if (walk.last.seq < cp.seq) {
          return {
            ok: false,
            rows: walk.rows,
            ...keyedFrom,
            firstBad: {
              seq: walk.last.seq + 1,
              reason: `rows ${walk.last.seq + 1}–${cp.seq} are missing: the checkpoint of ${cp.at} names row ${cp.seq} (truncated with the head)`,
            },
          };
        }
        if (cpHash !== cp.hash) {
          return {
            ok: false,
            rows: walk.rows,
            ...keyedFrom,
            firstBad: {
              seq: cp.seq,
              reason: `row ${cp.seq} differs from the checkpoint of ${cp.at} (the chain was rewritten)`,
            },
          };
        }
      }
      return {
        ok: true,
        rows: walk.rows,
        ...keyedFrom,
        ...(cp ? { checkpoint: { seq: cp.seq, at: cp.at } } : {}),
      };
    });
    // Recorded after the walk, so the check itself is on the trail without changing what it read.
    await this.ctx.auditAs(
      actor,
      'audit.verify',
      { kind: 'audit', name: 'chain' },
      report.ok ? 'success' : 'failure',
      {
        rows: report.rows,
        ...(cp ? { checkpoint: cp.seq } : {}),
        ...(report.firstBad ? { firstBad: report.firstBad } : {}),
      },
    );
    return report;
  }

  /** The chain's head now, MACed with the audit key, to be exported off the database. Audited. */
  async checkpoint(actor: Actor): Promise<AuditCheckpoint> {
    this.ctx.authz.require(actor, 'audit.verify');
    const chain = this.ctx.auditLog.chain;
    if (!chain.keyed) throw new ValidationError('the audit chain is not keyed: no checkpoint can be signed');
    const head = await this.ctx.store.read((r) => r.audit.head());
    const at = this.ctx.clock.now().toISOString();
    const cp: AuditCheckpoint = {
      format: 'custody-audit-checkpoint/1',
      seq: head.seq,
      hash: head.hash,
      at,
      mac: chain.checkpointMac({ seq: head.seq, hash: head.hash, at }),
    };
    await this.ctx.auditAs(actor, 'audit.checkpoint', { kind: 'audit', name: 'chain' }, 'success', {
      seq: head.seq,
    });
    return cp;
  }
}
