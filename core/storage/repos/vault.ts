import type { Knex } from 'knex';
import type {
  Account,
  CustomFieldDef,
  FieldKind,
  FieldTarget,
  PasswordHistoryEntry,
  PersonalPassword,
  Protocol,
  Resource,
  ResourceType,
} from '../../model.ts';
import { fold, foldOrNull } from './fold.ts';
import { bool, jsonArray, likeEscape, num, numOrNull, str, strOrNull, type Row } from './map.ts';

const toType = (r: Row): ResourceType => ({
  id: str(r.id),
  name: str(r.name),
  builtin: bool(r.builtin),
  protocol: str(r.protocol) as Protocol,
  resetKind: strOrNull(r.reset_kind),
  hiddenAttributes: jsonArray<string>(r.hidden_attributes),
  fileFieldEnabled: bool(r.file_field_enabled),
});

const toField = (r: Row): CustomFieldDef => ({
  id: str(r.id),
  target: str(r.target) as FieldTarget,
  name: str(r.name),
  kind: str(r.kind) as FieldKind,
  position: num(r.position),
});

export const toResource = (r: Row): Resource => ({
  id: str(r.id),
  name: str(r.name),
  typeId: str(r.type_id),
  dnsName: str(r.dns_name),
  port: numOrNull(r.port),
  description: str(r.description),
  department: str(r.department),
  location: str(r.location),
  url: str(r.url),
  domainName: str(r.domain_name),
  policyId: strOrNull(r.policy_id),
  ownerId: str(r.owner_id),
  allowPortForwarding: bool(r.allow_port_forwarding),
  recordFileContents: bool(r.record_file_contents),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

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

function resourceRow(x: Resource): Row {
  return {
    id: x.id,
    name: x.name,
    type_id: x.typeId,
    dns_name: x.dnsName,
    port: x.port,
    description: x.description,
    department: x.department,
    location: x.location,
    url: x.url,
    domain_name: x.domainName,
    policy_id: x.policyId,
    owner_id: x.ownerId,
    allow_port_forwarding: x.allowPortForwarding,
    record_file_contents: !!x.recordFileContents,
    created_at: x.createdAt,
    updated_at: x.updatedAt,
    name_folded: fold(x.name),
    description_folded: fold(x.description),
    dns_name_folded: fold(x.dnsName),
  };
}

export function typesRepo(db: Knex | Knex.Transaction) {
  return {
    async list(): Promise<ResourceType[]> {
      return (await db('resource_types').orderBy('name')).map(toType);
    },
    async byName(name: string): Promise<ResourceType | undefined> {
      const r = await db('resource_types').whereRaw('lower(name) = ?', [name.toLowerCase()]).first();
      return r ? toType(r) : undefined;
    },
    async byId(id: string): Promise<ResourceType | undefined> {
      const r = await db('resource_types').where({ id }).first();
      return r ? toType(r) : undefined;
    },
    async insert(t: ResourceType): Promise<void> {
      await db('resource_types').insert({
        id: t.id,
        name: t.name,
        builtin: t.builtin,
        protocol: t.protocol,
        reset_kind: t.resetKind,
        hidden_attributes: JSON.stringify(t.hiddenAttributes),
        file_field_enabled: t.fileFieldEnabled,
      });
    },
    async remove(id: string): Promise<void> {
      await db('resource_types').where({ id }).delete();
    },
    async inUse(id: string): Promise<boolean> {
      return !!(await db('resources').where({ type_id: id }).first('id'));
    },
  };
}

export function fieldsRepo(db: Knex | Knex.Transaction) {
  return {
    async list(target?: FieldTarget): Promise<CustomFieldDef[]> {
      const q = db('custom_field_defs').orderBy(['target', 'position']);
      return (await (target ? q.where({ target }) : q)).map(toField);
    },
    async insert(f: CustomFieldDef): Promise<void> {
      await db('custom_field_defs').insert({
        id: f.id,
        target: f.target,
        name: f.name,
        kind: f.kind,
        position: f.position,
      });
    },
    async values(
      ownerKind: FieldTarget,
      ownerId: string,
    ): Promise<{ fieldId: string; text: string | null; enc: string | null }[]> {
      const rows = await db('custom_values').where({ owner_kind: ownerKind, owner_id: ownerId });
      return rows.map((r) => ({
        fieldId: str(r.field_id),
        text: strOrNull(r.value_text),
        enc: strOrNull(r.value_enc),
      }));
    },
    async setValue(
      ownerKind: FieldTarget,
      ownerId: string,
      fieldId: string,
      text: string | null,
      enc: string | null,
    ): Promise<void> {
      await db('custom_values')
        .insert({
          owner_kind: ownerKind,
          owner_id: ownerId,
          field_id: fieldId,
          value_text: text,
          value_enc: enc,
          value_text_folded: foldOrNull(text),
        })
        .onConflict(['owner_kind', 'owner_id', 'field_id'])
        .merge(['value_text', 'value_enc', 'value_text_folded']);
    },
    /**
     * The non-secret custom values of these resources and accounts, space-separated per owner
     * (`resource:<id>` / `account:<id>`), in field order.
     */
    async textOf(resourceIds: string[], accountIds: string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      const owners: [FieldTarget, string[]][] = [
        ['resource', [...new Set(resourceIds)]],
        ['account', accountIds],
      ];
      for (const [kind, ids] of owners) {
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await db('custom_values')
            .join('custom_field_defs', 'custom_field_defs.id', 'custom_values.field_id')
            .where('custom_values.owner_kind', kind)
            .whereIn('custom_values.owner_id', ids.slice(i, i + 500))
            .whereNotNull('custom_values.value_text')
            .orderBy(['custom_values.owner_id', 'custom_field_defs.position'])
            .select('custom_values.owner_id', 'custom_values.value_text');
          for (const r of rows) {
            const key = `${kind}:${str(r.owner_id)}`;
            const text = str(r.value_text);
            out.set(key, out.has(key) ? `${out.get(key)} ${text}` : text);
          }
        }
      }
      return out;
    },
    async removeValuesOf(ownerKind: FieldTarget, ownerIds: string[]): Promise<void> {
      if (ownerIds.length)
        await db('custom_values').where({ owner_kind: ownerKind }).whereIn('owner_id', ownerIds).delete();
    },
  };
}

export function resourcesRepo(db: Knex | Knex.Transaction) {
  return {
    async byId(id: string): Promise<Resource | undefined> {
      const r = await db('resources').where({ id }).first();
      return r ? toResource(r) : undefined;
    },
    async byName(name: string): Promise<Resource | undefined> {
      const r = await db('resources').where({ name }).first();
      return r ? toResource(r) : undefined;
    },
    async byIds(ids: string[]): Promise<Resource[]> {
      if (!ids.length) return [];
      return (await db('resources').whereIn('id', ids)).map(toResource);
    },
    async list(): Promise<Resource[]> {
      return (await db('resources').orderBy('name')).map(toResource);
    },
    async ownedBy(ownerId: string): Promise<Resource[]> {
      return (await db('resources').where({ owner_id: ownerId }).orderBy('name')).map(toResource);
    },
    async countOwnedBy(ownerId: string): Promise<number> {
      const r = await db('resources').where({ owner_id: ownerId }).count({ n: '*' }).first();
      return Number(r?.n ?? 0);
    },
    async insert(x: Resource): Promise<void> {
      await db('resources').insert(resourceRow(x));
    },
    async update(x: Resource): Promise<void> {
      const { id: _id, created_at: _c, ...rest } = resourceRow(x);
      await db('resources').where({ id: x.id }).update(rest);
    },
    async remove(id: string): Promise<void> {
      await db('resources').where({ id }).delete();
    },
  };
}

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
        .first(
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
        )) as Row | undefined;
      if (!r) return undefined;
      return {
        resource: toResource(r),
        account: toAccount({ ...r, id: r.a_id, name: r.a_name, created_at: r.a_created_at }),
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
