// Resource rows: the row mapping (also used by accounts and visibility queries) and the
// resources repository, kept apart from accounts and secrets so each has its own file.
import type { Knex } from 'knex';
import { clipboardPolicyOf, type Resource } from '../../../model.ts';
import { fold } from '../fold.ts';
import { bool, numOrNull, str, strOrNull, type Row } from '../map.ts';

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
  clipboard: clipboardPolicyOf(r.clipboard),
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
    clipboard: clipboardPolicyOf(x.clipboard),
    created_at: x.createdAt,
    updated_at: x.updatedAt,
    name_folded: fold(x.name),
    description_folded: fold(x.description),
    dns_name_folded: fold(x.dnsName),
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
