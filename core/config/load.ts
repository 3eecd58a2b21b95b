import { promises as fs } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { configSchema, type CustodyConfig } from './schema.ts';

/** Validates once and freezes: nothing downstream re-checks or mutates configuration. */
export function parseConfig(text: string, source: string): Readonly<CustodyConfig> {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const err = e as { line?: number; column?: number; message?: string };
    const where = err.line ? `:${err.line}:${err.column ?? 0}` : '';
    const reason = String(err.message ?? 'syntax error').split('\n')[0];
    throw new ConfigError(`${source}${where}: TOML syntax error: ${reason}`, { source });
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const { keyPath, reason } = describeIssue(issue);
    throw new ConfigError(`${source}: ${keyPath}: ${reason}`, { source, key: keyPath });
  }
  return deepFreeze(result.data);
}

function describeIssue(issue: z.core.$ZodIssue): { keyPath: string; reason: string } {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    return { keyPath: base ? `${base}.${key}` : key, reason: 'unknown key' };
  }
  return { keyPath: base || '(top level)', reason: issue.message };
}

export async function loadConfigFile(file: string): Promise<Readonly<CustodyConfig>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`${file}: configuration file not found (run 'custody init')`, { source: file });
    }
    throw e;
  }
  return parseConfig(text, file);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
