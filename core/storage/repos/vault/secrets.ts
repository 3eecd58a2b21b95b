// Password history and personal passwords: the secret-bearing tables beside accounts,
// queried apart so the secrets' storage is found in one file.
import type { Knex } from 'knex';
import type { PasswordHistoryEntry, PersonalPassword } from '../../../model.ts';
import { str, type Row } from '../map.ts';

const toHistory = (r: Row): PasswordHistoryEntry => ({
  id: str(r.id),
  accountId: str(r.account_id),
  passwordEnc: str(r.password_enc),
  changedAt: str(r.changed_at),
  changedBy: str(r.changed_by),
  source: str(r.source),
});

const toPersonal = (r: Row): PersonalPassword => ({
  id: str(r.id),
  ownerId: str(r.owner_id),
  title: str(r.title),
  login: str(r.login),
  url: str(r.url),
  notes: str(r.notes),
  passwordEnc: str(r.password_enc),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

export function historyRepo(db: Knex | Knex.Transaction) {
  return {
    async insert(h: PasswordHistoryEntry): Promise<void> {
      await db('password_history').insert({
        id: h.id,
        account_id: h.accountId,
        password_enc: h.passwordEnc,
        changed_at: h.changedAt,
        changed_by: h.changedBy,
        source: h.source,
      });
    },
    /** Newest first. */
    async of(accountId: string, limit = 1000): Promise<PasswordHistoryEntry[]> {
      return (
        await db('password_history')
          .where({ account_id: accountId })
          .orderBy('changed_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
      ).map(toHistory);
    },
  };
}

export function personalRepo(db: Knex | Knex.Transaction) {
  return {
    async of(ownerId: string): Promise<PersonalPassword[]> {
      return (await db('personal_passwords').where({ owner_id: ownerId }).orderBy('title')).map(toPersonal);
    },
    async byTitle(ownerId: string, title: string): Promise<PersonalPassword | undefined> {
      const r = await db('personal_passwords').where({ owner_id: ownerId, title }).first();
      return r ? toPersonal(r) : undefined;
    },
    async insert(p: PersonalPassword): Promise<void> {
      await db('personal_passwords').insert({
        id: p.id,
        owner_id: p.ownerId,
        title: p.title,
        login: p.login,
        url: p.url,
        notes: p.notes,
        password_enc: p.passwordEnc,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
      });
    },
    async remove(id: string): Promise<void> {
      await db('personal_passwords').where({ id }).delete();
    },
  };
}
