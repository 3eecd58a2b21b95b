// `custody reset ACCOUNT` through the real CLI process against a real sshd and a real Linux user.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { writeTestConfig } from '../support/vault.ts';
import { sshLogin } from './helpers.ts';

const OLD = 'Zq9#Lm2$Vx7!Rt4&Kp5w';

describe.skipIf(!!sshdSkipReason())('custody reset (CLI, real sshd)', () => {
  let home: string;
  let user: TestUser;
  let sshd: SshdInstance;
  const run = (...args: string[]) => custody([...args, '--home', home]);

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-reset-'));
    await writeTestConfig(home);
    user = createTestUser('rscli', { password: OLD });
    sshd = await startSshd({ allowUsers: [user.name] });
    expect((await run('init')).code).toBe(0);
    await writeFile(path.join(home, 'old'), OLD + '\n', { mode: 0o600 });
    const add = [
      ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
      ['account', 'add', 'web01', user.name, '--password-file', path.join(home, 'old')],
    ];
    for (const a of add) expect((await run(...a)).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await sshd?.stop();
    user?.remove();
    await rm(home, { recursive: true, force: true });
  });

  it('resets on the target and in the vault and prints nothing secret', async () => {
    const r = await run('reset', `web01/${user.name}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`password of web01/${user.name} reset`);
    const shown = await run('account', 'reveal', `web01/${user.name}`);
    const now = shown.stdout.trim().split('\n').pop()!.trim();
    expect(r.stdout + r.stderr).not.toContain(now);
    expect(await sshLogin(sshd.port, user.name, now)).toBe(true);
    expect(await sshLogin(sshd.port, user.name, OLD)).toBe(false);
  }, 60_000);

  it('a target that is down: one-line error naming it, non-zero exit', async () => {
    await sshd.stop();
    const r = await run('reset', `web01/${user.name}`);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unreachable/);
  }, 60_000);
});
