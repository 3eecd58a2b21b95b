// The CLI contract, end to end through the real `custody` process: init and start, configuration
// errors, the contract commands with and without --json, acting as another user, one-line errors
// with stable codes and exit statuses, CSV import results, and `audit verify` on a tampered chain.
// Each process start costs about a second, so one home serves the tests that build on each other.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { knex } from 'knex';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { REPOSITORY_ROOT } from '../../core/index.ts';
import { ssh2Shell } from '../support/interactive.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody, CUSTODY_BIN, type CliResult } from '../support/cli.ts';
import { USER_PASSWORD, writeTestConfig } from '../support/vault.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const GOOD2 = 'Yb3%Nc6^Wd1*Qe5(Hf0z';
const PAM_PASSWORD = 'Pa55-word!Admin#X';
const CANARY_WEAK = 'CanaryWeak#1';
const CANARY_OK = 'Canary7#Strong9!Pass';

const temps: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** Exactly one line on stderr, `custody: CODE: …`, no stack trace, nothing on stdout. */
function expectOneLineError(r: CliResult, code: string, exit = code === 'E_USAGE' ? 2 : 1): string {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exit);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^custody: ${code}: \\S`));
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
  return lines[0]!;
}

/** The --json form of the same: `{"error":{"code","message"}}` on one line. */
function expectJsonError(r: CliResult, code: string, exit = code === 'E_USAGE' ? 2 : 1): string {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exit);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines).toHaveLength(1);
  const parsed = JSON.parse(lines[0]!) as { error: { code: string; message: string } };
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message).toEqual(expect.any(String));
  expect(r.stdout).toBe('');
  return parsed.error.message;
}

function ok(r: CliResult): string {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  return JSON.parse(ok(r)) as T;
}

afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('custody CLI: homes of their own', () => {
  it.concurrent(
    'start initialises a fresh home with the default config, runs the gateway and prints how to ssh in',
    async ({ expect }) => {
      const home = await tempDir('custody-cli-start-');
      const child = spawn(process.execPath, [CUSTODY_BIN, 'start', '--home', home, '--ssh-port', '0'], {
        cwd: REPOSITORY_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 30_000;
        while (!/Log in: {2}ssh -p \d+ admin@127\.0\.0\.1/.test(out) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const port = Number(/ssh listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
        expect(port, out).toBeGreaterThan(0);
        expect(out).toMatch(new RegExp(`Log in: {2}ssh -p ${port} admin@127\\.0\\.0\\.1`));
        expect(out).toContain(path.join(home, 'conf', 'custody.toml'));
        const config = await readFile(path.join(home, 'conf', 'custody.toml'), 'utf8');
        expect(config).toContain('[storage]');
        expect((await stat(path.join(home, 'keys', 'custody.key'))).mode & 0o777).toBe(0o600);
        expect((await stat(path.join(home, 'keys', 'ssh_host_ed25519_key'))).mode & 0o777).toBe(0o600);
        const generated = (await readFile(path.join(home, 'keys', 'initial-admin-password'), 'utf8')).trim();
        expect(generated.length).toBeGreaterThanOrEqual(16);
        expect(out).not.toContain(generated);
        // The printed command works: the administrator logs in and gets the console.
        const shell = await ssh2Shell(port, 'admin', generated);
        // The full-screen console (the client asked for a pty).
        await shell.out.waitFor(/Custody · admin \(admin\)[\s\S]*Favourites/);
        shell.close();
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    },
  );

  it.concurrent('init refuses a master key inside the data folder', async ({ expect }) => {
    const home = await tempDir('custody-cli-keyin-');
    await writeTestConfig(home, { extraConfig: { crypto: { key_file: 'data/custody.key' } } });
    const r = await custody(['--home', home, 'init']);
    const line = expectOneLineError(r, 'E_CONFIG');
    expect(line).toContain(path.join(home, 'conf', 'custody.toml'));
    expect(line).toContain('crypto.key_file');
    await expect(stat(path.join(home, 'data', 'custody.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.concurrent(
    'an unknown key or a bad value in the config stops every command with its path and reason',
    async ({ expect }) => {
      const home = await tempDir('custody-cli-badconf-');
      await writeTestConfig(home);
      const file = path.join(home, 'conf', 'custody.toml');
      const good = await readFile(file, 'utf8');
      await writeFile(file, good.replace('[storage]\n', '[storage]\nsqlite_fil = "data/x.sqlite"\n'));
      const expected = `custody: E_CONFIG: ${file}: storage.sqlite_fil: unknown key`;
      const runs = await Promise.all([
        custody(['--home', home, 'init']),
        custody(['--home', home, 'start']),
        custody(['--home', home, 'user', 'list']),
        custody(['audit', 'verify', '--home', home]),
      ]);
      for (const r of runs) expect(expectOneLineError(r, 'E_CONFIG')).toBe(expected);
      const [asJson, badValue] = await Promise.all([
        custody(['--home', home, '--json', 'resource', 'add', 'x', '--type', 'linux']),
        (async () => {
          const other = await tempDir('custody-cli-badval-');
          await writeTestConfig(other);
          const f2 = path.join(other, 'conf', 'custody.toml');
          await writeFile(f2, good.replace(/ssh_port = \d+/, 'ssh_port = "two"'));
          return { f2, r: await custody(['--home', other, 'user', 'list']) };
        })(),
      ]);
      expect(expectJsonError(asJson, 'E_CONFIG')).toBe(`${file}: storage.sqlite_fil: unknown key`);
      expect(expectOneLineError(badValue.r, 'E_CONFIG')).toMatch(
        new RegExp(
          `^custody: E_CONFIG: ${badValue.f2.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: server\\.ssh_port: .+`,
        ),
      );
    },
  );
});

describe('custody CLI: one home, step by step', () => {
  let home: string;
  let work: string;
  const f = (name: string) => path.join(work, name);
  const run = (...args: string[]) => custody(['--home', home, ...args]);

  beforeAll(async () => {
    home = await tempDir('custody-cli-home-');
    work = await tempDir('custody-cli-work-');
    // Cheap Argon2: the config is in place before init, which keeps it.
    await writeTestConfig(home);
    await Promise.all([
      writeFile(f('alice.pw'), USER_PASSWORD + '\n'),
      writeFile(f('pam.pw'), PAM_PASSWORD + '\n'),
      writeFile(f('wrong.pw'), 'Not-Alice-Pass#123\n'),
      writeFile(f('acct1.pw'), GOOD + '\n'),
      writeFile(f('acct2.pw'), GOOD2),
    ]);
  });

  it('init creates the key and the admin password file (0600), prints the path but never the password; init again changes nothing', async () => {
    const keyFile = path.join(home, 'keys', 'custody.key');
    const pwFile = path.join(home, 'keys', 'initial-admin-password');
    const r = await run('init');
    ok(r);
    expect((await stat(path.join(home, 'conf', 'custody.toml'))).isFile()).toBe(true);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(pwFile)).mode & 0o777).toBe(0o600);
    expect(r.stdout).toContain(pwFile);
    const password = (await readFile(pwFile, 'utf8')).replace(/\n$/, '');
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(r.stdout).not.toContain(password);
    expect(r.stderr).not.toContain(password);

    const key = await readFile(keyFile, 'utf8');
    const again = json<{ createdAdmin: boolean; adminPasswordFile: string | null; keyFile: string }>(
      await run('init', '--json'),
    );
    expect(again).toMatchObject({ createdAdmin: false, adminPasswordFile: null, keyFile });
    expect(await readFile(keyFile, 'utf8')).toBe(key);
    expect((await readFile(pwFile, 'utf8')).replace(/\n$/, '')).toBe(password);
  });

  it('the contract commands work in text and in JSON', async () => {
    expect(
      ok(await run('user', 'add', 'alice', '--role', 'password-user', '--password-file', f('alice.pw'))),
    ).toBe('created user alice (password-user)\n');
    expect(
      json(
        await run('user', 'add', 'pam', '--role', 'password-admin', '--password-file', f('pam.pw'), '--json'),
      ),
    ).toMatchObject({ username: 'pam', role: 'password-admin' });

    expect(
      ok(await run('resource', 'add', 'web01', '--type', 'linux', '--host', '10.0.0.5', '--port', '22')),
    ).toBe('created resource web01 (linux 10.0.0.5:22)\n');
    expect(
      json(
        await run(
          '--json',
          'resource',
          'add',
          'db01',
          '--type',
          'linux',
          '--host',
          '10.0.0.6',
          '--port',
          '5432',
        ),
      ),
    ).toMatchObject({ name: 'db01', typeName: 'linux', dnsName: '10.0.0.6', port: 5432 });

    expect(ok(await run('account', 'add', 'web01', 'root', '--password-file', f('acct1.pw')))).toBe(
      'stored web01/root\n',
    );
    const added = await run('account', 'add', 'db01', 'postgres', '--password-file', f('acct2.pw'), '--json');
    expect(json(added)).toMatchObject({ ref: 'db01/postgres' });
    expect(added.stdout + added.stderr).not.toContain(GOOD2);

    expect(ok(await run('share', 'web01/root', '--user', 'alice', '--privilege', 'view'))).toBe(
      'shared account web01/root with alice (view)\n',
    );
    expect(json(await run('share', 'db01', '--user', 'pam', '--privilege', 'view', '--json'))).toMatchObject({
      target: 'db01',
      kind: 'resource',
      grantee: 'pam',
      privilege: 'view',
    });

    expect(ok(await run('audit', 'verify'))).toMatch(/^audit chain intact: \d+ rows\n$/);
    // --home and --json after the sub-command; acting as admin with the generated password.
    const verified = json<{ ok: boolean; rows: number }>(
      await custody([
        '--as',
        'admin',
        '--password-file',
        path.join(home, 'keys', 'initial-admin-password'),
        'audit',
        'verify',
        '--json',
        '--home',
        home,
      ]),
    );
    expect(verified.ok).toBe(true);
    expect(verified.rows).toBeGreaterThan(5);

    expect(ok(await run('key', 'rotate'))).toMatch(
      /re-encrypted 2 secrets under key \S+; 2 secrets verified readable/,
    );
    expect(json(await run('key', 'rotate', '--json'))).toMatchObject({
      reencrypted: 2,
      checked: 2,
      unreadable: 0,
    });
    expect(ok(await run('account', 'reveal', 'web01/root'))).toBe(GOOD + '\n');
  });

  it('--as USER --password-file F acts as that user', async () => {
    const as = (user: string, pwFile: string, ...args: string[]) =>
      run('--as', user, '--password-file', f(pwFile), ...args);
    // A password user reveals what is shared with them…
    expect(ok(await as('alice', 'alice.pw', 'account', 'reveal', 'web01/root'))).toBe(GOOD + '\n');
    // …and nothing else exists for them (global options after the sub-command work too).
    const hidden = await run(
      'account',
      'reveal',
      'db01/postgres',
      '--as',
      'alice',
      '--password-file',
      f('alice.pw'),
    );
    expect(expectOneLineError(hidden, 'E_NOT_FOUND')).not.toContain(GOOD2);
    expectOneLineError(await as('alice', 'wrong.pw', 'account', 'reveal', 'web01/root'), 'E_AUTH');

    // A command with its own --password-file: the --as password comes before the sub-command.
    expect(
      json(await as('pam', 'pam.pw', 'resource', 'add', 'pam-box', '--type', 'linux', '--json')),
    ).toMatchObject({
      name: 'pam-box',
      ownerName: 'pam',
    });
    expect(
      ok(await as('pam', 'pam.pw', 'account', 'add', 'pam-box', 'root', '--password-file', f('acct1.pw'))),
    ).toBe('stored pam-box/root\n');
    // After it, --password-file is the account's password, so --as has none.
    const misplaced = await run(
      'account',
      'add',
      'pam-box',
      'svc',
      '--as',
      'pam',
      '--password-file',
      f('acct1.pw'),
    );
    expect(expectOneLineError(misplaced, 'E_USAGE')).toMatch(/--as USER needs --password-file/);
  });

  it('errors are one line with a stable code, no stack trace, and a non-zero exit', async () => {
    const [unknown, unknownJson, missing, badRole] = await Promise.all([
      run('frobnicate'),
      run('--json', 'frobnicate'),
      run('resource', 'add', 'no-type'),
      run('user', 'add', 'carl', '--role', 'wizard'),
    ]);
    expect(expectOneLineError(unknown, 'E_USAGE', 2)).toMatch(/unknown command 'frobnicate'/);
    expect(expectJsonError(unknownJson, 'E_USAGE', 2)).toMatch(/frobnicate/);
    expect(expectOneLineError(missing, 'E_USAGE', 2)).toMatch(/--type/);
    expect(expectOneLineError(badRole, 'E_VALIDATION', 1)).toMatch(/unknown role 'wizard'/);
    const noResource = await run('account', 'add', 'nosuch', 'root', '--password-file', f('acct1.pw'));
    expect(expectOneLineError(noResource, 'E_NOT_FOUND', 1)).toMatch(/nosuch/);
  });

  it('import resources prints a result per line and exits 1 when a line failed', async () => {
    await writeFile(
      f('mixed.csv'),
      [
        'Resource Name,Account Name,Password,DNS Name,Resource Type,Port',
        `web02,root,${GOOD},10.0.0.7,linux,22`,
        `web03,root,${CANARY_WEAK},10.0.0.8,linux,22`,
        `web04,root,"${CANARY_OK},10.0.0.9,linux,22`,
        `web05,root,${GOOD2},10.0.0.10,linux,22`,
        '',
      ].join('\n'),
    );
    const r = await run('import', 'resources', f('mixed.csv'));
    expect(r.code, r.stderr).toBe(1);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(5);
    expect(out[0]).toBe('line 2: created web02/root');
    expect(out[1]).toMatch(/^line 3: error — E_POLICY: /);
    expect(out[2]).toMatch(/^line 4: error — E_IMPORT: malformed line/);
    expect(out[3]).toBe('line 5: created web05/root');
    expect(out[4]).toBe('2 created, 0 updated, 0 skipped, 2 errors');
    for (const secret of [CANARY_WEAK, CANARY_OK]) expect(r.stdout + r.stderr).not.toContain(secret);

    await writeFile(
      f('clean.txt'),
      ['Account Name,Resource Name,Password', `root,web02,${GOOD}`, `root,web06,${GOOD2}`].join('\n'),
    );
    const clean = json<{ counts: Record<string, number>; results: { line: number; status: string }[] }>(
      await run('import', 'resources', f('clean.txt'), '--json'),
    );
    expect(clean.counts).toEqual({ created: 1, updated: 0, skipped: 1, error: 0 });
    expect(clean.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'skipped'],
      [3, 'created'],
    ]);
  });

  it('audit verify exits non-zero and names the first bad row after a row is edited in the database', async () => {
    const db = knex({
      client: 'sqlite3',
      connection: { filename: path.join(home, 'data', 'custody.sqlite') },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
    });
    try {
      await db.raw('DROP TRIGGER audit_events_no_update');
      await db('audit_events').where({ seq: 5 }).update({ actor: 'mallory' });
    } finally {
      await db.destroy();
    }
    const r = await run('audit', 'verify');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/BROKEN at row 5: row 5 does not match its hash/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const asJson = await run('audit', 'verify', '--json');
    expect(asJson.code).not.toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, firstBad: { seq: 5 } });
  });
});
