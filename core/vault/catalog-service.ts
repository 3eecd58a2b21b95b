import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, LimitError, NotFoundError, ValidationError } from '../errors.ts';
import { checkName } from '../identity/names.ts';
import {
  FIELD_KINDS,
  type CustomFieldDef,
  type FieldKind,
  type FieldTarget,
  type Protocol,
  type ResourceType,
} from '../model.ts';
import { BUILTIN_TYPES, HIDEABLE_ATTRIBUTES } from './builtin-types.ts';

/** Up to 20 custom fields for resources and 20 for accounts (the reference product's limit). */
export const MAX_CUSTOM_FIELDS = 20;

/** Resource types and custom-field definitions: the shape of the vault, set by administrators. */
export class CatalogService {
  constructor(private readonly ctx: CoreContext) {}

  /** Every signed-in user may read the shape of the vault (the types a resource can have). */
  async listTypes(actor: Actor): Promise<ResourceType[]> {
    this.ctx.authz.require(actor, 'resource-type.list');
    return this.ctx.store.read((r) => r.types.list());
  }

  async addType(
    actor: Actor,
    input: { name: string; likeType?: string; hiddenAttributes?: string[]; fileFieldEnabled?: boolean },
  ): Promise<ResourceType> {
    const name = checkName('type name', input.name, 100);
    return this.ctx.run(actor, 'resource-type.create', { kind: 'resource-type', name }, async (s) => {
      this.ctx.authz.require(actor, 'resource-type.create');
      if (await s.repos.types.byName(name)) throw new ConflictError(`resource type '${name}' already exists`);
      let protocol: Protocol = 'none';
      let resetKind: string | null = null;
      if (input.likeType) {
        // A custom type reuses the session protocol and reset handler of the type it resembles.
        const like = await s.repos.types.byName(input.likeType);
        if (!like) throw new NotFoundError('resource type', input.likeType);
        protocol = like.protocol;
        resetKind = like.resetKind;
      }
      for (const a of input.hiddenAttributes ?? []) {
        if (!(HIDEABLE_ATTRIBUTES as readonly string[]).includes(a)) {
          throw new ValidationError(
            `attribute '${a}' cannot be hidden (hideable: ${HIDEABLE_ATTRIBUTES.join(', ')})`,
            { field: 'hidden' },
          );
        }
      }
      const t: ResourceType = {
        id: this.ctx.ids.next(),
        name,
        builtin: false,
        protocol,
        resetKind,
        hiddenAttributes: [...new Set(input.hiddenAttributes ?? [])],
        fileFieldEnabled: !!input.fileFieldEnabled,
      };
      await s.repos.types.insert(t);
      await s.audit(
        'resource-type.create',
        { kind: 'resource-type', name },
        { likeType: input.likeType ?? null },
      );
      return t;
    });
  }

  async removeType(actor: Actor, name: string): Promise<void> {
    await this.ctx.run(actor, 'resource-type.delete', { kind: 'resource-type', name }, async (s) => {
      this.ctx.authz.require(actor, 'resource-type.delete');
      const t = await s.repos.types.byName(name);
      if (!t) throw new NotFoundError('resource type', name);
      if (t.builtin)
        throw new ValidationError(`built-in type '${t.name}' cannot be deleted`, { field: 'type' });
      if (await s.repos.types.inUse(t.id))
        throw new ConflictError(`resource type '${t.name}' is used by resources`);
      await s.repos.types.remove(t.id);
      await s.audit('resource-type.delete', { kind: 'resource-type', name });
    });
  }

  async listFields(actor: Actor, target?: FieldTarget): Promise<CustomFieldDef[]> {
    this.ctx.authz.require(actor, 'custom-field.list');
    return this.ctx.store.read((r) => r.fields.list(target));
  }

  async addField(actor: Actor, target: FieldTarget, name: string, kind: FieldKind): Promise<CustomFieldDef> {
    const clean = checkName('field name', name, 100);
    if (target !== 'resource' && target !== 'account')
      throw new ValidationError(`field target must be resource or account`, { field: 'target' });
    if (!FIELD_KINDS.includes(kind))
      throw new ValidationError(`unknown field kind '${kind}' (kinds: ${FIELD_KINDS.join(', ')})`, {
        field: 'kind',
      });
    return this.ctx.run(
      actor,
      'custom-field.create',
      { kind: 'custom-field', name: `${target}:${clean}` },
      async (s) => {
        this.ctx.authz.require(actor, 'custom-field.create');
        const existing = await s.repos.fields.list(target);
        if (existing.some((f) => f.name.toLowerCase() === clean.toLowerCase()))
          throw new ConflictError(`${target} field '${clean}' already exists`);
        if (existing.length >= MAX_CUSTOM_FIELDS)
          throw new LimitError(`at most ${MAX_CUSTOM_FIELDS} custom ${target} fields`);
        const f: CustomFieldDef = {
          id: this.ctx.ids.next(),
          target,
          name: clean,
          kind,
          position: existing.length + 1,
        };
        await s.repos.fields.insert(f);
        await s.audit('custom-field.create', { kind: 'custom-field', name: `${target}:${clean}` }, { kind });
        return f;
      },
    );
  }
}

export function seedTypes(): readonly ResourceType[] {
  return BUILTIN_TYPES;
}
