// `custody apikey add|list|revoke` through the real CLI: the key reaches its file (0600) and
// nothing else — not stdout, not stderr, not the log, not the audit trail.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../core/index.ts';
import { custody } from '../support/cli.ts';
import { createTestVault, USER_PASSWORD, type TestVault } from '../support/vault.ts';

describe('custody apikey', () => {
  let v: TestVault;
  const cli = (...args: string[]) => custody(['--home', v.home, ...args]);
  beforeAll(async () => {
    v = await createTestVault();
    await v.addUser('alice', 'password-user');
    await writeFile(path.join(v.home, 'alice.pw'), USER_PASSWORD);
    await v.reopen();
  }, 60_000);
  afterAll(async () => v?.close());

  it('add writes the key once to a new 0600 file and prints it nowhere', async () => {
    const file = path.join(v.home, 'app.key');
    const r = await cli(
      'apikey',
      'add',
      'billing',
      '--user',
      'alice',
      '--expires-days',
      '30',
      '--allow-cidr',
      '10.0.0.0/8',
      '192.0.2.7',
      '--key-file',
      file,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^API key billing for alice written to .*app\.key \(expires 20\d\d-/);
    const key = (await readFile(file, 'utf8')).trim();
    expect(key).toMatch(/^cust_[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const log = await readFile(path.join(v.home, 'logs', 'custody.log'), 'utf8');
    expect(r.stdout + log).not.toContain(key);
    // Written once: an existing file is refused and left as it was, and no key is made.
    const again = await cli('apikey', 'add', 'billing2', '--user', 'alice', '--key-file', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/E_USAGE: key file .* already exists/);
    expect((await readFile(file, 'utf8')).trim()).toBe(key);
    // A refused key (name taken) leaves no file behind.
    const dup = path.join(v.home, 'dup.key');
    const taken = await cli('apikey', 'add', 'billing', '--user', 'alice', '--key-file', dup);
    expect(taken.stderr).toMatch(/E_CONFLICT/);
    await expect(stat(dup)).rejects.toMatchObject({ code: 'ENOENT' });
    // The key works, as alice, from inside its ranges.
    await v.reopen();
    await expect(
      v.core.system.authenticateApiKey(Secret.fromString(key), '192.0.2.7'),
    ).resolves.toMatchObject({
      name: 'alice',
      apiKey: 'billing',
    });
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 1000 }));
    expect(audit).not.toContain(key);
  }, 120_000);

  it('list shows name, user, dates, ranges and revocation; revoke stops the key', async () => {
    const file = path.join(v.home, 'ops.key');
    expect((await cli('apikey', 'add', 'ops', '--user', 'alice', '--key-file', file)).code).toBe(0);
    const listed = await cli('apikey', 'list');
    expect(listed.stdout).toMatch(/NAME\s+USER\s+CREATED\s+EXPIRES\s+LAST USED\s+CIDRS\s+REVOKED/);
    expect(listed.stdout).toMatch(
      /billing\s+alice\s+\S+\s+20\S+\s+\S+\s+10\.0\.0\.0\/8,192\.0\.2\.7\/32\s+no/,
    );
    expect(listed.stdout).toMatch(/ops\s+alice\s+\S+\s+never\s+never\s+any\s+no/);
    const revoked = await cli('apikey', 'revoke', 'ops');
    expect(revoked.stdout.trim()).toBe('API key ops revoked');
    const json = JSON.parse((await cli('apikey', 'list', '--json')).stdout) as {
      name: string;
      state: string;
      revokedBy: string;
    }[];
    expect(json.find((k) => k.name === 'ops')).toMatchObject({ state: 'revoked' });
    expect(JSON.stringify(json)).not.toContain((await readFile(file, 'utf8')).trim());
    await v.reopen();
    await expect(
      v.core.system.authenticateApiKey(Secret.fromString((await readFile(file, 'utf8')).trim()), '127.0.0.1'),
    ).rejects.toMatchObject({ code: 'E_AUTH' });
  }, 120_000);

  it('is for administrators only: a password user is refused with a code, and no file is left', async () => {
    const file = path.join(v.home, 'alice-own.key');
    const r = await cli(
      '--as',
      'alice',
      '--password-file',
      path.join(v.home, 'alice.pw'),
      'apikey',
      'add',
      'mine',
      '--user',
      'alice',
      '--key-file',
      file,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_FORBIDDEN/);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const list = await cli(
      '--as',
      'alice',
      '--password-file',
      path.join(v.home, 'alice.pw'),
      'apikey',
      'list',
    );
    expect(list.stderr).toMatch(/E_FORBIDDEN/);
  }, 120_000);
});
