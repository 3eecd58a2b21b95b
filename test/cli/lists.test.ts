// `audit list --since/--until/--result` and `resource list`, through the real CLI.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';

describe('custody audit list filters and resource list', () => {
  let v: TestVault;
  const cli = (...args: string[]) => custody(['--home', v.home, ...args]);
  beforeAll(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: '198.18.0.1', port: 22 });
    await v.core.resources.create(v.host, { name: 'db01', type: 'linux', dnsName: '198.18.0.2' });
    await v.core.accounts.add(v.host, 'web01', 'root', pw('Wb4%Rt8^Yu2*Pl6(Nb3c'));
    await v.core.accounts.add(v.host, 'db01', 'dba', pw('Db4%Rt8^Yu2*Pl6(Nb3c'));
    const alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: 'db01/dba' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    // A denied event: alice may not reveal web01/root.
    await v.core.accounts.reveal(alice, 'web01/root').catch(() => undefined);
    await writeFile(path.join(v.home, 'alice.pw'), USER_PASSWORD);
    await v.reopen();
  }, 60_000);
  afterAll(async () => v?.close());

  const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  it('--result keeps only rows with that result', async () => {
    const all = json<{ result: string }[]>(await cli('audit', 'list', '--json', '--limit', '500'));
    expect(new Set(all.map((x) => x.result)).size).toBeGreaterThan(1);
    const denied = json<{ result: string; actor: string }[]>(
      await cli('audit', 'list', '--result', 'denied', '--json', '--limit', '500'),
    );
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((x) => x.result === 'denied')).toBe(true);
    expect(denied.some((x) => x.actor === 'alice')).toBe(true);
    const bad = await cli('audit', 'list', '--result', 'maybe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--result must be one of success, denied, failure/);
  }, 120_000);

  it('--since and --until take a date, a time or an age', async () => {
    const recent = json<{ at: string }[]>(
      await cli('audit', 'list', '--since', '1h', '--json', '--limit', '500'),
    );
    expect(recent.length).toBeGreaterThan(3);
    expect(json<unknown[]>(await cli('audit', 'list', '--since', '2999-01-01', '--json'))).toEqual([]);
    expect(json<unknown[]>(await cli('audit', 'list', '--until', '2000-01-01T00:00', '--json'))).toEqual([]);
    const first = recent[recent.length - 1]!.at;
    const from = json<{ at: string }[]>(
      await cli('audit', 'list', '--since', first, '--json', '--limit', '500'),
    );
    expect(from.every((x) => x.at >= first)).toBe(true);
    const bad = await cli('audit', 'list', '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: 'yesterday' is not a date/);
  }, 120_000);

  it('resource list shows what the caller may see, as text and JSON', async () => {
    const text = await cli('resource', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^RESOURCE\s+TYPE\s+HOST\s+PORT\s+ACCESS$/m);
    expect(text.stdout).toMatch(/^web01\s+linux\s+198\.18\.0\.1\s+22\s+/m);
    expect(text.stdout).toMatch(/^2 resources$/m);
    const mine = json<{ name: string; access: string }[]>(
      await cli(
        '--as',
        'alice',
        '--password-file',
        path.join(v.home, 'alice.pw'),
        'resource',
        'list',
        '--json',
      ),
    );
    expect(mine).toEqual([expect.objectContaining({ name: 'db01', access: 'account-share' })]);
    const found = json<{ name: string }[]>(await cli('resource', 'list', '--search', '198.18.0.2', '--json'));
    expect(found.map((x) => x.name)).toEqual(['db01']);
  }, 120_000);
});
