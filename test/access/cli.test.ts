// The access-control commands of the CLI contract through the real `custody` process:
// access set/show, request (prints the id), approve, reject, checkout (nothing secret), checkin
// [--force], requests, with --json and one-line errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody, type CliResult } from '../support/cli.ts';
import { USER_PASSWORD, writeTestConfig } from '../support/vault.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const PAM_PASSWORD = 'Pa55-word!Admin#X';

function ok(r: CliResult): string {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function fails(r: CliResult, code: string): string {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code === 'E_USAGE' ? 2 : 1);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^custody: ${code}: \\S`));
  return lines[0]!;
}

describe('custody access-control commands', () => {
  let home: string;
  const f = (name: string) => path.join(home, name);
  const run = (...args: string[]) => custody([...args, '--home', home]);
  const as = (user: string, pw: string, ...args: string[]) =>
    custody(['--as', user, '--password-file', f(pw), ...args, '--home', home]);

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-access-'));
    await writeTestConfig(home);
    await writeFile(f('alice.pw'), USER_PASSWORD + '\n');
    await writeFile(f('pam.pw'), PAM_PASSWORD + '\n');
    await writeFile(f('acct.pw'), GOOD + '\n');
    ok(await run('init'));
    ok(await run('user', 'add', 'alice', '--role', 'password-user', '--password-file', f('alice.pw')));
    ok(await run('user', 'add', 'pam', '--role', 'password-admin', '--password-file', f('pam.pw')));
    ok(await run('resource', 'add', 'web01', '--type', 'linux', '--host', '10.0.0.5'));
    ok(await run('account', 'add', 'web01', 'root', '--password-file', f('acct.pw')));
    ok(await run('share', 'web01', '--user', 'alice', '--privilege', 'view'));
    ok(await run('share', 'web01', '--user', 'pam', '--privilege', 'view'));
  }, 120_000);
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('set, show, request, approve, checkout, reveal, checkin, force', async () => {
    const set = JSON.parse(
      ok(await run('access', 'set', 'web01', '--approvers', 'pam,admin', '--exclusive-hours', '2', '--json')),
    ) as Record<string, unknown>;
    expect(set).toMatchObject({ active: true, approvers: ['pam', 'admin'], exclusiveHours: 2, dual: false });
    expect(ok(await run('access', 'show', 'web01'))).toMatch(/exclusive use: +2 h/);

    fails(await as('alice', 'alice.pw', 'account', 'reveal', 'web01/root'), 'E_FORBIDDEN');
    const id = ok(await as('alice', 'alice.pw', 'request', 'web01/root', '--reason', 'INC-9')).trim();
    expect(id).toMatch(/^\S+$/);
    const pending = JSON.parse(ok(await as('pam', 'pam.pw', 'requests', '--pending', '--json'))) as {
      id: string;
    }[];
    expect(pending.map((r) => r.id)).toEqual([id]);
    expect(fails(await as('alice', 'alice.pw', 'approve', id), 'E_FORBIDDEN')).toBeTruthy();
    expect(ok(await as('pam', 'pam.pw', 'approve', id))).toContain('approved');

    const out = await as('alice', 'alice.pw', 'checkout', 'web01/root');
    expect(ok(out)).toMatch(/checked-out until/);
    expect(out.stdout + out.stderr).not.toContain(GOOD);
    expect(ok(await as('alice', 'alice.pw', 'account', 'reveal', 'web01/root'))).toContain(GOOD);
    fails(await as('pam', 'pam.pw', 'checkin', 'web01/root'), 'E_CONFLICT');
    expect(ok(await run('checkin', 'web01/root', '--force'))).toMatch(/checked-in/);
    fails(await as('alice', 'alice.pw', 'account', 'reveal', 'web01/root'), 'E_FORBIDDEN');

    const id2 = ok(await as('alice', 'alice.pw', 'request', 'web01/root', '--reason', 'INC-10')).trim();
    expect(ok(await as('pam', 'pam.pw', 'reject', id2, '--reason', 'no'))).toMatch(/rejected/);
    const mine = JSON.parse(ok(await as('alice', 'alice.pw', 'requests', '--mine', '--json'))) as {
      state: string;
    }[];
    // Newest first: the current request leads.
    expect(mine.map((r) => r.state)).toEqual(['rejected', 'checked-in']);
    fails(await run('requests', '--mine', '--pending'), 'E_USAGE');
  }, 240_000);

  it('dual approval says 1 of 2 approvals until the second; a rejection names who rejected and why, in text and --json', async () => {
    ok(await run('resource', 'add', 'web02', '--type', 'linux', '--host', '10.0.0.6'));
    ok(await run('account', 'add', 'web02', 'root', '--password-file', f('acct.pw')));
    ok(await run('share', 'web02', '--user', 'alice', '--privilege', 'view'));
    ok(await run('access', 'set', 'web02', '--approvers', 'pam,admin', '--dual'));
    const id = ok(await as('alice', 'alice.pw', 'request', 'web02/root', '--reason', 'INC-20')).trim();
    const first = ok(await as('pam', 'pam.pw', 'approve', id));
    expect(first).toMatch(/waiting, 1 of 2 approvals/);
    expect(first).not.toMatch(/approved/);
    expect(ok(await run('approve', id))).toMatch(/\): approved$/m);
    ok(await as('alice', 'alice.pw', 'checkin', 'web02/root'));
    const id2 = ok(await as('alice', 'alice.pw', 'request', 'web02/root', '--reason', 'INC-21')).trim();
    const rejected = ok(await as('pam', 'pam.pw', 'reject', id2, '--reason', 'not during the freeze'));
    expect(rejected).toMatch(/\(requested by alice\): rejected by pam: not during the freeze/);
    const text = ok(await as('alice', 'alice.pw', 'requests', '--mine'));
    expect(text).toMatch(new RegExp(`${id2}.*rejected by pam: not during the freeze`));
    expect(text).not.toMatch(/rejected by alice/);
    const [current] = JSON.parse(ok(await as('alice', 'alice.pw', 'requests', '--mine', '--json'))) as {
      id: string;
    }[];
    expect(current).toMatchObject({
      id: id2,
      state: 'rejected',
      rejectedBy: 'pam',
      rejectReason: 'not during the freeze',
    });
  }, 240_000);
});
