import { aad } from '../crypto/aad.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { Secret } from '../crypto/secret.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { CustomFieldDef, FieldTarget, ResourceType } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';

export type CustomInput = Record<string, string | Secret>;
export type CustomOutput = Record<string, string>;

/**
 * Writes custom-field values for one resource or account. Password-kind fields are sealed like
 * account passwords; the other kinds are checked for their shape.
 */
export async function writeCustomValues(
  repos: Repos,
  keyring: Keyring,
  target: FieldTarget,
  ownerId: string,
  type: ResourceType | undefined,
  values: CustomInput,
): Promise<void> {
  const defs = await repos.fields.list(target);
  for (const [name, raw] of Object.entries(values)) {
    const def = defs.find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!def) throw new NotFoundError(`${target} field`, name);
    if (def.kind === 'password') {
      const secret = raw instanceof Secret ? raw : Secret.fromString(raw);
      if (secret.length > 256)
        throw new ValidationError(`field '${def.name}' is longer than 256 characters`, { field: def.name });
      await repos.fields.setValue(
        target,
        ownerId,
        def.id,
        null,
        keyring.seal(secret, aad.customValue(target, ownerId, def.id)),
      );
      continue;
    }
    const text = raw instanceof Secret ? raw.reveal() : raw;
    await repos.fields.setValue(target, ownerId, def.id, checkValue(def, text, type), null);
  }
}

function checkValue(def: CustomFieldDef, text: string, type: ResourceType | undefined): string {
  const v = text.trim();
  if (v.length > 2000)
    throw new ValidationError(`field '${def.name}' is longer than 2000 characters`, { field: def.name });
  switch (def.kind) {
    case 'numeric':
      if (v !== '' && !Number.isFinite(Number(v)))
        throw new ValidationError(`field '${def.name}' must be a number`, { field: def.name });
      return v;
    case 'datetime':
      if (v !== '' && Number.isNaN(Date.parse(v)))
        throw new ValidationError(`field '${def.name}' must be a date and time (ISO 8601)`, {
          field: def.name,
        });
      return v === '' ? v : new Date(v).toISOString();
    case 'file':
      // File fields take effect only where the resource type switches them on.
      if (type && !type.fileFieldEnabled)
        throw new ValidationError(`file fields are not enabled for type '${type.name}'`, { field: def.name });
      return v;
    default:
      return v;
  }
}

/** Reads values; password-kind fields come back as '<secret>' (revealing them is an explicit act). */
export async function readCustomValues(
  repos: Repos,
  target: FieldTarget,
  ownerId: string,
): Promise<CustomOutput> {
  const defs = await repos.fields.list(target);
  const values = await repos.fields.values(target, ownerId);
  const out: CustomOutput = {};
  for (const v of values) {
    const def = defs.find((d) => d.id === v.fieldId);
    if (def) out[def.name] = v.enc !== null ? '<secret>' : (v.text ?? '');
  }
  return out;
}

export async function revealCustomValue(
  repos: Repos,
  keyring: Keyring,
  target: FieldTarget,
  ownerId: string,
  name: string,
): Promise<Secret> {
  const defs = await repos.fields.list(target);
  const def = defs.find((d) => d.name.toLowerCase() === name.toLowerCase() && d.kind === 'password');
  if (!def) throw new NotFoundError(`${target} password field`, name);
  const v = (await repos.fields.values(target, ownerId)).find((x) => x.fieldId === def.id);
  if (!v?.enc) throw new NotFoundError(`${target} password field`, name);
  return keyring.open(v.enc, aad.customValue(target, ownerId, def.id));
}
