// Shared by the su / Telnet / network-device / landing reset tests: a second uid-0 account (so
// `su` to "root" can be tested without knowing or touching the machine's real root password),
// a log that is kept for inspection, and the canary check (a planted password must appear in no
// log line, no audit row and nowhere in the database file).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { createStreamLogger, layoutOf } from '../../core/index.ts';
import { testRun } from '../support/netns.ts';
import type { TestVault } from '../support/vault.ts';
import { contextOf, CoreContext } from '../support/core-internals.ts';

export interface RootAlias {
  readonly name: string;
  readonly password: string;
  remove(): void;
}

/**
 * A user with uid 0 and its own password (`useradd -o -u 0`). NOT tracked by the test-run ledger on
 * purpose: its clean-up kills the processes of a user, and for uid 0 that would be every root
 * process. It is removed by name only (`userdel -f`, no -r: it has no home), also at exit.
 */
export function createRootAlias(label: string): RootAlias {
  const name = `${testRun().prefix}${label}`;
  if (!/^[a-z][a-z0-9]{1,30}$/.test(name)) throw new Error(`bad alias name '${name}'`);
  const password = `Ra-${randomBytes(9).toString('base64url')}#74`;
  execFileSync(
    'useradd',
    ['-o', '-u', '0', '-g', '0', '-M', '-N', '-d', '/nonexistent', '-s', '/bin/sh', name],
    {
      stdio: 'pipe',
    },
  );
  execFileSync('chpasswd', [], { input: `${name}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      execFileSync('userdel', ['-f', name], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  };
  process.once('exit', remove);
  return { name, password, remove };
}

/** A context like the vault's whose log lines are kept (JSON lines, exactly as written to the file). */
export function loggedContext(v: TestVault): { ctx: CoreContext; lines: string[] } {
  const lines: string[] = [];
  const logger = createStreamLogger((line) => void lines.push(line));
  return { ctx: new CoreContext({ ...contextOf(v.core).deps, logger }), lines };
}

/** The canary appears in no log line, no audit row and no byte of the database files. */
export async function expectNoCanary(v: TestVault, lines: string[], canary: string): Promise<void> {
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.join('')).not.toContain(canary);
  const rows = await v.core.audit.query(v.host, { limit: 10_000 });
  expect(rows.length).toBeGreaterThan(0);
  expect(JSON.stringify(rows)).not.toContain(canary);
  const file = layoutOf(v.home, contextOf(v.core).config).sqliteFile;
  for (const f of [file, `${file}-wal`, `${file}-journal`])
    if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(canary))).toBe(false);
}
