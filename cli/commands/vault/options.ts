// Option parsing shared by the vault commands (globals, repeatable --field/--field-file,
// --port), its own file so resource and account commands use one copy.
import type { Command } from 'commander';
import { UsageError, type Secret } from '../../../core/index.ts';
import { readPasswordFile, globalsOf, type GlobalOptions } from '../../context.ts';

export const g = (cmd: Command): GlobalOptions => globalsOf(cmd);
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--field NAME=VALUE`, repeatable. Password-kind fields are better set with --field-file. */
export function fieldValues(
  pairs: string[] = [],
  files: string[] = [],
): Promise<Record<string, string | Secret>> {
  const out: Record<string, string | Secret> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--field takes NAME=VALUE, got '${p.slice(0, 40)}'`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return Promise.all(
    files.map(async (p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new UsageError(`--field-file takes NAME=FILE`);
      out[p.slice(0, i)] = await readPasswordFile(p.slice(i + 1));
    }),
  ).then(() => out);
}

export function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--port must be a number`);
  return n;
}
