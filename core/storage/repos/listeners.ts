import type { Knex } from 'knex';
import { jsonArray, num, str, strOrNull, type Row } from './map.ts';

export type ListenerStatus = 'pending' | 'approved' | 'rejected';

export interface ListenerRow {
  id: string;
  name: string;
  resourceType: string;
  command: string;
  args: string[];
  timeoutSeconds: number;
  status: ListenerStatus;
  version: number;
  author: string;
  authorUser: string;
  /** The administrator asked to approve (any other administrator may). */
  approver: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const toRow = (r: Row): ListenerRow => ({
  id: str(r.id),
  name: str(r.name),
  resourceType: str(r.resource_type),
  command: str(r.command),
  args: jsonArray<string>(r.args),
  timeoutSeconds: num(r.timeout_seconds),
  status: str(r.status) as ListenerStatus,
  version: num(r.version),
  author: str(r.author),
  authorUser: str(r.author_user),
  approver: strOrNull(r.approver),
  decidedBy: strOrNull(r.decided_by),
  decidedAt: strOrNull(r.decided_at),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

const toDb = (l: ListenerRow) => ({
  id: l.id,
  name: l.name,
  resource_type: l.resourceType,
  command: l.command,
  args: JSON.stringify(l.args),
  timeout_seconds: l.timeoutSeconds,
  status: l.status,
  version: l.version,
  author: l.author,
  author_user: l.authorUser,
  approver: l.approver,
  decided_by: l.decidedBy,
  decided_at: l.decidedAt,
  created_at: l.createdAt,
  updated_at: l.updatedAt,
});

export function listenersRepo(db: Knex | Knex.Transaction) {
  return {
    async byName(name: string): Promise<ListenerRow | undefined> {
      const r = await db('reset_listeners').where({ name }).first();
      return r ? toRow(r) : undefined;
    },
    async list(): Promise<ListenerRow[]> {
      return (await db('reset_listeners').orderBy('name')).map(toRow);
    },
    async approvedFor(resourceType: string): Promise<ListenerRow[]> {
      return (
        await db('reset_listeners').where({ resource_type: resourceType, status: 'approved' }).orderBy('name')
      ).map(toRow);
    },
    async insert(l: ListenerRow): Promise<void> {
      await db('reset_listeners').insert(toDb(l));
    },
    async update(l: ListenerRow): Promise<void> {
      const { id, ...rest } = toDb(l);
      await db('reset_listeners').where({ id }).update(rest);
    },
    async remove(id: string): Promise<void> {
      await db('reset_listeners').where({ id }).delete();
    },
  };
}
