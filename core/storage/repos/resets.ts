import type { Knex } from 'knex';
import { str, strOrNull, type Row } from './map.ts';

export type PendingResetState = 'started' | 'target-changed';

export interface PendingResetRow {
  id: string;
  accountId: string;
  passwordEnc: string;
  state: PendingResetState;
  actor: string;
  source: string;
  createdAt: string;
  updatedAt: string;
  /** The rotation run that started this reset (null for any other reset). */
  runId?: string | null;
}

const toRow = (r: Row): PendingResetRow => ({
  id: str(r.id),
  accountId: str(r.account_id),
  passwordEnc: str(r.password_enc),
  state: str(r.state) as PendingResetState,
  actor: str(r.actor),
  source: str(r.source),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
  runId: strOrNull(r.run_id),
});

/** Remote resets in flight: the sealed new password outlives a crash or a failing vault write. */
export function pendingResetsRepo(db: Knex | Knex.Transaction) {
  return {
    async insert(p: PendingResetRow): Promise<void> {
      await db('pending_resets').insert({
        id: p.id,
        account_id: p.accountId,
        password_enc: p.passwordEnc,
        state: p.state,
        actor: p.actor,
        source: p.source,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
        run_id: p.runId ?? null,
      });
    },
    async byId(id: string): Promise<PendingResetRow | undefined> {
      const r = await db('pending_resets').where({ id }).first();
      return r ? toRow(r) : undefined;
    },
    async ofAccount(accountId: string): Promise<PendingResetRow[]> {
      return (await db('pending_resets').where({ account_id: accountId }).orderBy('created_at')).map(toRow);
    },
    async ofRun(runId: string): Promise<PendingResetRow[]> {
      return (await db('pending_resets').where({ run_id: runId }).orderBy('created_at')).map(toRow);
    },
    async all(): Promise<PendingResetRow[]> {
      return (await db('pending_resets').orderBy('created_at')).map(toRow);
    },
    async setState(id: string, state: PendingResetState, at: string): Promise<void> {
      await db('pending_resets').where({ id }).update({ state, updated_at: at });
    },
    async remove(id: string): Promise<void> {
      await db('pending_resets').where({ id }).delete();
    },
  };
}
