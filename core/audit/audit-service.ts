import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import type { AuditRecord } from '../model.ts';
import type { AuditQuery } from '../storage/repos/index.ts';
import { checkLink, GENESIS_HASH, type ChainProblem } from './chain.ts';

export interface VerifyReport {
  ok: boolean;
  rows: number;
  firstBad?: ChainProblem;
}

const PAGE = 2000;

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
   * Walks the chain from the first row: each row must follow its predecessor (seq, previous hash)
   * and match its own hash; the head row must point at the last one (catches truncation).
   */
  async verify(actor: Actor): Promise<VerifyReport> {
    this.ctx.authz.require(actor, 'audit.verify');
    const report = await this.ctx.store.read(async (r) => {
      let prev = { seq: 0, hash: GENESIS_HASH };
      let rows = 0;
      for (;;) {
        const page = await r.audit.page(prev.seq, PAGE);
        if (!page.length) break;
        for (const row of page) {
          const problem = checkLink(prev, row);
          if (problem) return { ok: false, rows, firstBad: problem };
          prev = { seq: row.seq, hash: row.hash };
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
      return { ok: true, rows };
    });
    // Recorded after the walk, so the check itself is on the trail without changing what it read.
    await this.ctx.auditAs(
      actor,
      'audit.verify',
      { kind: 'audit', name: 'chain' },
      report.ok ? 'success' : 'failure',
      { rows: report.rows, ...(report.firstBad ? { firstBad: report.firstBad } : {}) },
    );
    return report;
  }
}
