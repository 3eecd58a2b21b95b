// `custody --as USER` goes through the same login path as the SSH door: lockout applies, every
// attempt is audited (refused while locked too), and a user with TOTP needs --totp-file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP_PARAMS } from '../../core/identity/credentials-service.ts';
import { custody } from '../support/cli.ts';
import { writeTestConfig } from '../support/vault.ts';

describe('custody --as: lockout, audit and TOTP (CLI)', () => {
  let home: string;
  const f = (name: string) => path.join(home, name);
  const run = (...args: string[]) => custody(['--home', home, ...args]);
  let totpSecret = '';

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-as-'));
    await writeTestConfig(home, { extraConfig: { security: { lockout_attempts: 3, lockout_minutes: 10 } } });
    await writeFile(f('admin.pw'), 'Root-Test-Pass#2026\n');
    await writeFile(f('user.pw'), 'Qz7#kT!wm2Rv@9LnXcJ\n');
    await writeFile(f('wrong.pw'), 'not-the-password\n');
    for (const args of [
      ['init', '--admin-password-file', f('admin.pw')],
      ['user', 'add', 'bob', '--role', 'password-user', '--password-file', f('user.pw')],
      ['user', 'add', 'tina', '--role', 'password-user', '--password-file', f('user.pw')],
    ]) {
      const r = await run(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const t = await run('totp', 'enable', 'tina', '--json');
    totpSecret = (JSON.parse(t.stdout) as { secret: string }).secret;
  }, 120_000);
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('refuses --as while the user is locked out, right password included, and audits the refusal', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await run('--as', 'bob', '--password-file', f('wrong.pw'), 'account', 'list');
      expect(r.stderr).toMatch(/E_AUTH/);
    }
    const locked = await run('--as', 'bob', '--password-file', f('user.pw'), 'account', 'list');
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/E_LOCKED/);
    const audit = await run('audit', 'list', '--type', 'user.login', '--actor', 'bob', '--json');
    const rows = JSON.parse(audit.stdout) as { result: string; details: string }[];
    expect(rows).toHaveLength(4);
    expect(rows.filter((x) => x.details.includes('"refused":"locked"'))).toHaveLength(1);
    // An administrator sees the lock and lifts it.
    expect((await run('user', 'list')).stdout).toMatch(/bob .* locked until \d\d:\d\d UTC/);
    expect((await run('user', 'unlock', 'bob')).stdout).toBe('bob unlocked\n');
    const after = await run('--as', 'bob', '--password-file', f('user.pw'), 'account', 'list');
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
  }, 240_000);

  it('asks a user with TOTP for --totp-file and accepts the current code', async () => {
    const without = await run('--as', 'tina', '--password-file', f('user.pw'), 'account', 'list');
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/E_AUTH.*--totp-file/);
    const code = new OTPAuth.TOTP({
      ...TOTP_PARAMS,
      secret: OTPAuth.Secret.fromBase32(totpSecret),
    }).generate();
    await writeFile(f('code'), `${code}\n`);
    const ok = await run(
      '--as',
      'tina',
      '--password-file',
      f('user.pw'),
      '--totp-file',
      f('code'),
      'account',
      'list',
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  }, 240_000);
});
