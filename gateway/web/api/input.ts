import { ValidationError } from '../../../core/index.ts';
import type { ApiBodyField, ApiQueryParam } from './route.ts';

/**
 * The fields of a JSON body, checked against the route's declaration: an object, only declared
 * fields, each a string within its length, required ones present. Anything else is E_VALIDATION
 * before core is called, so a malformed request writes nothing.
 */
export function bodyFields(
  body: unknown,
  fields: readonly ApiBodyField[],
): Record<string, string | undefined> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError('the request body must be a JSON object', { field: 'body' });
  const known = new Set(fields.map((f) => f.name));
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new ValidationError(`unknown field '${unknown[0]!.slice(0, 40)}'`, {
      field: unknown[0]!.slice(0, 40),
    });
  const out: Record<string, string | undefined> = {};
  for (const f of fields) {
    const v = (body as Record<string, unknown>)[f.name];
    if (v === undefined || v === null) {
      if (f.required) throw new ValidationError(`field '${f.name}' is required`, { field: f.name });
      out[f.name] = undefined;
      continue;
    }
    if (typeof v !== 'string')
      throw new ValidationError(`field '${f.name}' must be a string`, { field: f.name });
    if ([...v].length > f.maxLength)
      throw new ValidationError(`field '${f.name}' is longer than ${f.maxLength} characters`, {
        field: f.name,
      });
    out[f.name] = v;
  }
  return out;
}

const MAX_QUERY_VALUE = 500;

/** Query parameters, checked against the route's declaration in the same way. */
export function queryValues(
  query: URLSearchParams,
  declared: readonly ApiQueryParam[],
): Record<string, string | boolean | undefined> {
  const known = new Set(declared.map((q) => q.name));
  for (const k of query.keys())
    if (!known.has(k))
      throw new ValidationError(`unknown query parameter '${k.slice(0, 40)}'`, { field: k.slice(0, 40) });
  const out: Record<string, string | boolean | undefined> = {};
  for (const q of declared) {
    const all = query.getAll(q.name);
    if (all.length > 1)
      throw new ValidationError(`query parameter '${q.name}' is given twice`, { field: q.name });
    const v = all[0];
    if (v === undefined) {
      if (q.required) throw new ValidationError(`query parameter '${q.name}' is required`, { field: q.name });
      continue;
    }
    if (v.length > MAX_QUERY_VALUE)
      throw new ValidationError(`query parameter '${q.name}' is too long`, { field: q.name });
    if (q.type === 'boolean') {
      if (v !== 'true' && v !== 'false')
        throw new ValidationError(`query parameter '${q.name}' is true or false`, { field: q.name });
      out[q.name] = v === 'true';
    } else out[q.name] = v;
  }
  return out;
}
