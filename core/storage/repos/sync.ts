import type { Knex } from 'knex';
import { bool, str, strOrNull, type Row } from './map.ts';

export interface SyncChannelRow {
  id: string;
  name: string;
  publishing: boolean;
  enforcePolicy: boolean;
  defaultPasswordEnc: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const toRow = (r: Row): SyncChannelRow => ({
  id: str(r.id),
  name: str(r.name),
  publishing: bool(r.publishing),
  enforcePolicy: bool(r.enforce_policy),
  defaultPasswordEnc: strOrNull(r.default_password_enc),
  createdBy: str(r.created_by),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

export function syncRepo(db: Knex | Knex.Transaction) {
  return {
    async byName(name: string): Promise<SyncChannelRow | undefined> {
      const r = await db('sync_channels').where({ name }).first();
      return r ? toRow(r) : undefined;
    },
    async byId(id: string): Promise<SyncChannelRow | undefined> {
      const r = await db('sync_channels').where({ id }).first();
      return r ? toRow(r) : undefined;
    },
    async list(): Promise<SyncChannelRow[]> {
      return (await db('sync_channels').orderBy('name')).map(toRow);
    },
    async insert(c: SyncChannelRow): Promise<void> {
      await db('sync_channels').insert({
        id: c.id,
        name: c.name,
        publishing: c.publishing,
        enforce_policy: c.enforcePolicy,
        default_password_enc: c.defaultPasswordEnc,
        created_by: c.createdBy,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      });
    },
    async update(c: SyncChannelRow): Promise<void> {
      await db('sync_channels').where({ id: c.id }).update({
        publishing: c.publishing,
        enforce_policy: c.enforcePolicy,
        default_password_enc: c.defaultPasswordEnc,
        updated_at: c.updatedAt,
      });
    },
    async link(channelId: string, accountId: string, at: string): Promise<void> {
      await db('sync_links')
        .insert({ channel_id: channelId, account_id: accountId, created_at: at })
        .onConflict(['channel_id', 'account_id'])
        .ignore();
    },
    async linkedAccounts(channelId: string): Promise<string[]> {
      return (await db('sync_links').where({ channel_id: channelId }).orderBy('created_at')).map((r: Row) =>
        str(r.account_id),
      );
    },
    async channelsOf(accountId: string): Promise<string[]> {
      return (await db('sync_links').where({ account_id: accountId })).map((r: Row) => str(r.channel_id));
    },
  };
}
