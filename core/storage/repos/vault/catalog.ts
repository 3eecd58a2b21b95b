// Resource types and custom field definitions/values: the vault's catalogue, queried apart
// from the resources and accounts it describes so each table group has its own file.
import type { Knex } from 'knex';
import type { CustomFieldDef, FieldKind, FieldTarget, Protocol, ResourceType } from '../../../model.ts';
import { foldOrNull } from '../fold.ts';
import { bool, jsonArray, num, str, strOrNull, type Row } from '../map.ts';

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
