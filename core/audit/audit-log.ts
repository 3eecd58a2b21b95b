import type { Repos } from '../storage/repos/index.ts';
import type { AuditRecord, AuditResult } from '../model.ts';
import type { Clock, IdGenerator } from '../runtime.ts';
import { codeOf, type AuditEventType } from './events.ts';
import type { AuditChain } from './chain.ts';

export interface AuditEntry {
  type: AuditEventType;
  actor: string;
  source: string;
  target: { kind: string; name: string };
  result: AuditResult;
  /** Plain facts only. Values pass through JSON.stringify, where a Secret prints as `<secret>`. */
  details?: Record<string, unknown>;
}

/** Appends to the hash chain inside the caller's transaction: the event commits with the change. */
export class AuditLog {
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    readonly chain: AuditChain,
  ) {}

  async append(repos: Repos, e: AuditEntry): Promise<AuditRecord> {
    const head = await repos.audit.head();
    const base = {
      seq: head.seq + 1,
      id: this.ids.next(),
      at: this.clock.now().toISOString(),
      type: e.type,
      code: codeOf(e.type),
      actor: e.actor,
      source: e.source,
      targetKind: e.target.kind,
      targetName: e.target.name.slice(0, 400),
      result: e.result,
      details: JSON.stringify(e.details ?? {}),
      prevHash: head.hash,
    };
    const rec: AuditRecord = { ...base, hash: this.chain.hash(base) };
    await repos.audit.append(rec);
    return rec;
  }
}
