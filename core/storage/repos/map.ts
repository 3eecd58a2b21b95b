// Row <-> record mapping shared by the repositories. SQLite returns booleans as 0/1 and big
// integers as numbers, PostgreSQL as true/false and strings: normalise both here, once.

export type Row = Record<string, unknown>;

export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function jsonArray<T>(v: unknown): T[] {
  if (typeof v !== 'string' || v === '') return [];
  const parsed = JSON.parse(v) as unknown;
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}

/** Escapes LIKE wildcards so user text matches literally. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
