// What the database and directory reset tests look at beneath the access-control workflow (the
// test is not a user): the vault's current password, audit rows by type, and every place a
// password must never reach (log lines, audit rows, the vault's database file).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Logger } from '../../core/index.ts';
import type { TestVault } from '../support/vault.ts';
import { aad } from '../../core/crypto/aad.ts';
import { contextOf, CoreContext } from '../support/core-internals.ts';

/** A context like the vault's whose logger keeps every line (to search them for a canary). */
export function recordingContext(
  v: TestVault,
  lines: string[] = [],
  base: CoreContext = contextOf(v.core),
): { ctx: CoreContext; lines: string[] } {
  const logger: Logger = {
    log: (level, message, fields) => void lines.push(JSON.stringify({ level, message, fields })),
  };
  return { ctx: new CoreContext({ ...base.deps, logger }), lines };
}

export async function vaultHas(v: TestVault, resource: string, account: string): Promise<string> {
  const a = await contextOf(v.core).store.read(async (r) => {
    const res = await r.resources.byName(resource);
    return r.accounts.byName(res!.id, account);
  });
  return contextOf(v.core).keyring.open(a!.passwordEnc, aad.account(a!.id)).reveal();
}

export async function auditOf(
  v: TestVault,
  type: string,
): Promise<{ result: string; target: string; details: Record<string, unknown> }[]> {
  return (await v.core.audit.query(v.host, { type, limit: 1000 })).map((r) => ({
    result: r.result,
    target: String(r.targetName ?? ''),
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

/**
 * Where `canary` shows up: in the log lines, in any audit row (all fields), or in any file of
 * the vault's home (database, WAL, logs). An empty list means it leaked nowhere.
 */
export async function whereLeaked(v: TestVault, lines: string[], canary: string): Promise<string[]> {
  const found: string[] = [];
  if (lines.some((l) => l.includes(canary))) found.push('log');
  const rows = await v.core.audit.query(v.host, { limit: 10_000 });
  if (JSON.stringify(rows).includes(canary)) found.push('audit');
  for (const f of await filesUnder(v.home)) {
    const bytes = await readFile(f).catch(() => Buffer.alloc(0));
    if (bytes.includes(Buffer.from(canary))) found.push(f);
  }
  return found;
}
