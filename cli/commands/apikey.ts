import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, type ApiKeyView } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output, table } from '../output.ts';

function wholeDays(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError('--expires-days must be a whole number of days');
  return Number(v);
}

/**
 * Opens F for the key before the key exists: created new (an existing file is never overwritten,
 * so a key cannot land in a file someone else can already read), mode 0600 from the start.
 */
async function openKeyFile(file: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(
      code === 'EEXIST'
        ? `key file ${file} already exists: name a new file (a key is written once)`
        : `cannot create key file ${file} (${code})`,
    );
  }
}

function keyRows(keys: ApiKeyView[]): string[] {
  if (keys.length === 0) return ['no API keys'];
  return table([
    ['NAME', 'USER', 'CREATED', 'EXPIRES', 'LAST USED', 'CIDRS', 'REVOKED'],
    ...keys.map((k) => [
      k.name,
      k.user,
      k.createdAt,
      k.expiresAt ?? 'never',
      k.lastUsedAt ?? 'never',
      k.allowCidrs.join(',') || 'any',
      k.revokedAt ? `${k.revokedAt} by ${k.revokedBy ?? '?'}` : k.state === 'expired' ? 'no (expired)' : 'no',
    ]),
  ]);
}

/** `apikey add|list|revoke` (CLI contract): keys for the REST API, managed by administrators. */
export function registerApiKey(program: Command): void {
  const apikey = program
    .command('apikey')
    .description('API keys for the REST API (application-to-application)');
  apikey
    .command('add <name>')
    .description('issues a key acting as USER; the key is written once to the key file, never printed')
    .requiredOption('--user <user>', 'the Custody user the key acts as (her role and shares, never more)')
    .requiredOption('--key-file <file>', 'new file the key is written to (mode 0600; must not exist yet)')
    .option('--expires-days <n>', 'the key stops working after N days (default: until revoked)')
    .option('--allow-cidr <cidr...>', 'accept the key only from these address ranges (default: any address)')
    .action(
      async (
        name: string,
        o: { user: string; keyFile: string; expiresDays?: string; allowCidr?: string[] },
        cmd: Command,
      ) => {
        const g = globalsOf(cmd);
        const expiresDays = wholeDays(o.expiresDays);
        const file = await openKeyFile(o.keyFile);
        let written = false;
        try {
          const view = await withCore(g, async (me) => {
            const made = await me.apiKeys.create({
              name,
              user: o.user,
              ...(expiresDays !== undefined ? { expiresDays } : {}),
              allowCidrs: o.allowCidr ?? [],
            });
            await file.writeFile(made.key.reveal() + '\n');
            made.key.wipe();
            return made.view;
          });
          written = true;
          new Output(!!g.json).result(
            view,
            (k) =>
              `API key ${k.name} for ${k.user} written to ${o.keyFile}` +
              (k.expiresAt ? ` (expires ${k.expiresAt})` : ''),
          );
        } finally {
          await file.close();
          if (!written) await fs.rm(o.keyFile, { force: true });
        }
      },
    );
  apikey
    .command('list')
    .description('every API key: name, user, created, expires, last used, address ranges, revoked')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const keys = await withCore(g, (me) => me.apiKeys.list());
      new Output(!!g.json).result(keys, keyRows);
    });
  apikey
    .command('revoke <name>')
    .description('the key stops working at once (it stays listed, as revoked)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const k = await withCore(g, (me) => me.apiKeys.revoke(name));
      new Output(!!g.json).result(k, (x) => `API key ${x.name} revoked`);
    });
}
