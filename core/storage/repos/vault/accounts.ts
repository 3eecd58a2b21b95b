// Account rows: the row mapping and the accounts repository (lookups, byRef join, search),
// its own file because it is the largest query group of the vault.
import type { Knex } from 'knex';
import type { Account, Resource } from '../../../model.ts';
import { fold } from '../fold.ts';
import { likeEscape, str, type Row } from '../map.ts';
import { toResource } from './resources.ts';
import { toSettings, type AccessSettingsRow } from '../access.ts';

/** The columns of `access_settings`, selected beside an account as `s_<column>`. */
/**
 * An account joined to its resource: the account's columns renamed where the resource has its own
 * (id, name, created_at), read back by `accountAndResource`.
 */
const ACCOUNT_AND_RESOURCE_COLUMNS = [
  'accounts.id as a_id',
  'accounts.name as a_name',
  'accounts.created_at as a_created_at',
  'accounts.resource_id',
  'accounts.notes',
  'accounts.password_enc',
  'accounts.password_changed_at',
  'accounts.password_changed_by',
  'accounts.credential_kind',
  'resources.*',
];

const accountAndResource = (r: Row): { resource: Resource; account: Account } => ({
  resource: toResource(r),
  account: toAccount({ ...r, id: r.a_id, name: r.a_name, created_at: r.a_created_at }),
});

const ACCESS_SETTINGS_COLUMNS = [
  'resource_id',
  'active',
  'approvers',
  'excluded',
  'dual',
  'void_after_hours',
  'exclusive_hours',
  'reset_on_checkin',
  'auto_approve',
  'auto_from',
  'auto_to',
  'checkin_on_session_end',
  'ticket_auto_approve',
  'updated_at',
  'updated_by',
];

/** What a password use needs before it may go ahead, read with the account in one statement. */
export interface AccountForUse {
  resource: Resource;
  account: Account;
  /** The resource's access-control settings (undefined: never configured, so not active). */
  accessSettings: AccessSettingsRow | undefined;
  /** The global settings asked for, by key, as stored (JSON text; undefined: not set). */
  settings: Map<string, string | undefined>;
}

export const toAccount = (r: Row): Account => ({
  id: str(r.id),
  resourceId: str(r.resource_id),
  name: str(r.name),
  notes: str(r.notes),
  passwordEnc: str(r.password_enc),
  passwordChangedAt: str(r.password_changed_at),
  passwordChangedBy: str(r.password_changed_by),
  credentialKind: str(r.credential_kind) === 'private-key' ? 'private-key' : 'password',
  createdAt: str(r.created_at),
});

export function accountsRepo(db: Knex | Knex.Transaction) {
  return {
    async byId(id: string): Promise<Account | undefined> {
      const r = await db('accounts').where({ id }).first();
      return r ? toAccount(r) : undefined;
    },
    async byName(resourceId: string, name: string): Promise<Account | undefined> {
      const r = await db('accounts').where({ resource_id: resourceId, name }).first();
      return r ? toAccount(r) : undefined;
    },
    /** An account and its resource by their names, in one round trip (what every `RESOURCE/ACCOUNT` needs). */
    async byRef(
      resourceName: string,
      accountName: string,
    ): Promise<{ resource: Resource; account: Account } | undefined> {
      const r = (await db('accounts')
        .join('resources', 'resources.id', 'accounts.resource_id')
        .where('resources.name', resourceName)
        .where('accounts.name', accountName)
        .first(...ACCOUNT_AND_RESOURCE_COLUMNS)) as Row | undefined;
      return r ? accountAndResource(r) : undefined;
    },
    /**
     * `byRef`, with the resource's access-control settings and the global settings named in
     * `settingKeys` in the same statement: a reveal reads everything its gates need in one round
     * trip (read inside the operation's transaction, so a change by another node is seen at once).
     */
    async byRefForUse(
      resourceName: string,
      accountName: string,
      settingKeys: readonly string[],
    ): Promise<AccountForUse | undefined> {
      const r = (await db('accounts')
        .join('resources', 'resources.id', 'accounts.resource_id')
        .leftJoin('access_settings', 'access_settings.resource_id', 'resources.id')
        .where('resources.name', resourceName)
        .where('accounts.name', accountName)
        .first(
          ...ACCOUNT_AND_RESOURCE_COLUMNS,
          ...ACCESS_SETTINGS_COLUMNS.map((c) => `access_settings.${c} as s_${c}`),
          ...settingKeys.map((key, i) =>
            db.raw(`(SELECT value FROM settings WHERE key = ?) AS setting_${i}`, [key]),
          ),
        )) as Row | undefined;
      if (!r) return undefined;
      const settingsRow: Row = Object.fromEntries(ACCESS_SETTINGS_COLUMNS.map((c) => [c, r[`s_${c}`]]));
      return {
        ...accountAndResource(r),
        accessSettings:
          r.s_resource_id === null || r.s_resource_id === undefined ? undefined : toSettings(settingsRow),
        settings: new Map(
          settingKeys.map((key, i) => {
            const v = r[`setting_${i}`];
            return [key, v === null || v === undefined ? undefined : str(v)];
          }),
        ),
      };
    },
    async ofResource(resourceId: string): Promise<Account[]> {
      return (await db('accounts').where({ resource_id: resourceId }).orderBy('name')).map(toAccount);
    },
    async ofResources(resourceIds: string[]): Promise<Account[]> {
      if (!resourceIds.length) return [];
      const out: Account[] = [];
      // Chunked: SQLite caps bound parameters per statement.
      for (let i = 0; i < resourceIds.length; i += 500) {
        out.push(
          ...(await db('accounts').whereIn('resource_id', resourceIds.slice(i, i + 500))).map(toAccount),
        );
      }
      return out;
    },
    async byIds(ids: string[]): Promise<Account[]> {
      const out: Account[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        out.push(...(await db('accounts').whereIn('id', ids.slice(i, i + 500))).map(toAccount));
      }
      return out;
    },
    async insert(a: Account): Promise<void> {
      await db('accounts').insert({
        id: a.id,
        resource_id: a.resourceId,
        name: a.name,
        notes: a.notes,
        password_enc: a.passwordEnc,
        password_changed_at: a.passwordChangedAt,
        password_changed_by: a.passwordChangedBy,
        credential_kind: a.credentialKind,
        created_at: a.createdAt,
        name_folded: fold(a.name),
        notes_folded: fold(a.notes),
      });
    },
    async updatePassword(id: string, enc: string, at: string, by: string): Promise<void> {
      await db('accounts')
        .where({ id })
        .update({ password_enc: enc, password_changed_at: at, password_changed_by: by });
    },
    async updateNotes(id: string, notes: string): Promise<void> {
      await db('accounts')
        .where({ id })
        .update({ notes, notes_folded: fold(notes) });
    },
    async remove(id: string): Promise<void> {
      await db('accounts').where({ id }).delete();
    },
    async names(resourceId: string): Promise<string[]> {
      return (await db('accounts').where({ resource_id: resourceId }).select('name')).map((r) => str(r.name));
    },
    /** Free-text search over resource and account fields, for the explorer. */
    async search(text: string, limit: number): Promise<{ accountId: string; resourceId: string }[]> {
      const like = `%${likeEscape(text.toLowerCase())}%`;
      const rows = await db('accounts')
        .join('resources', 'resources.id', 'accounts.resource_id')
        .where((q) =>
          q
            .whereRaw("lower(accounts.name) like ? escape '\\'", [like])
            .orWhereRaw("lower(resources.name) like ? escape '\\'", [like])
            .orWhereRaw("lower(resources.description) like ? escape '\\'", [like])
            .orWhereRaw("lower(resources.dns_name) like ? escape '\\'", [like])
            .orWhereRaw("lower(accounts.notes) like ? escape '\\'", [like]),
        )
        .limit(limit)
        .select('accounts.id as account_id', 'accounts.resource_id as resource_id');
      return rows.map((r) => ({ accountId: str(r.account_id), resourceId: str(r.resource_id) }));
    },
    async count(): Promise<number> {
      const r = await db('accounts').count({ n: '*' }).first();
      return Number(r?.n ?? 0);
    },
  };
}
