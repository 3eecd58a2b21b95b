// `custody verify` and `custody rotation …` through the real CLI process, against a real sshd and
// real Linux users: verdicts and exit codes, --json, the rotation life cycle, one-line errors.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { sshLogin } from '../reset/helpers.ts';

const A = 'Zq9#Lm2$Vx7!Rt4&Kp6w';
const B = 'Yb3%Nc6^Wd1*Qe5(Hf0z';

describe.skipIf(!!sshdSkipReason())('custody verify and custody rotation (CLI, real sshd)', () => {
  let home: string;
  let a: TestUser;
  let b: TestUser;
  let sshd: SshdInstance;
  const run = (...args: string[]) => custody([...args, '--home', home]);

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-rotation-'));
    await writeTestConfig(home);
    a = createTestUser('rcla', { password: A });
    b = createTestUser('rclb', { password: B });
    sshd = await startSshd({ allowUsers: [a.name, b.name] });
    expect((await run('init')).code).toBe(0);
    await writeFile(path.join(home, 'a'), A + '\n', { mode: 0o600 });
    await writeFile(path.join(home, 'b'), B + '\n', { mode: 0o600 });
    const add = [
      ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
      ['account', 'add', 'web01', a.name, '--password-file', path.join(home, 'a')],
      ['account', 'add', 'web01', b.name, '--password-file', path.join(home, 'b')],
      ['rgroup', 'add', 'webs'],
      ['rgroup', 'add-resource', 'webs', 'web01'],
    ];
    for (const x of add) expect((await run(...x)).code, x.join(' ')).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await sshd?.stop();
    a?.remove();
    b?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('verify ACCOUNT and verify --all: exit 0 in sync, exit 3 once one is out of sync, --json summary', async () => {
    const one = await run('verify', `web01/${a.name}`);
    expect(one).toMatchObject({ code: 0 });
    expect(one.stdout).toMatch(new RegExp(`web01/${a.name}\\s+in-sync`));
    execFileSync('chpasswd', [], { input: `${b.name}:Changed-Behind-The-Vault-7#\n` });
    const all = await run('verify', '--all', '--resource', 'web01');
    expect(all.code).toBe(3);
    expect(all.stderr).toContain('verifying: 2/2 accounts (100%)');
    expect(all.stdout).toContain('2 verified: 1 in-sync, 1 out-of-sync, 0 unreachable, 0 unsupported');
    const json = await run('verify', '--all', '--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ summary: { 'in-sync': 1, 'out-of-sync': 1 } });
    execFileSync('chpasswd', [], { input: `${b.name}:${B}\n` }); // back in sync for the next test
    const usage = await run('verify');
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toEqual([
      'custody: E_USAGE: verify needs ACCOUNT (RESOURCE/ACCOUNT) or --all',
    ]);
  }, 60_000);

  it('rotation add, list, run (report), report, remove; bad schedules are one-line usage/validation errors', async () => {
    const add = await run(
      'rotation',
      'add',
      'webs-weekly',
      '--group',
      'webs',
      '--every-days',
      '7',
      '--at',
      '04:00',
      '--notify-before',
      '1d',
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/rotation webs-weekly on group webs: every 7 day\(s\) at 04:00 UTC; next run/);
    const list = await run('rotation', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        name: 'webs-weekly',
        group: 'webs',
        notifyBeforeMinutes: 1440,
        lastRun: null,
      }),
    ]);
    const runNow = await run('rotation', 'run', 'webs-weekly');
    expect(runNow.code, runNow.stderr).toBe(0);
    expect(runNow.stdout).toContain('2 changed, 0 skipped, 0 failed');
    expect(runNow.stderr).toContain('rotating: 2/2 accounts (100%)');
    for (const [u, old] of [
      [a, A],
      [b, B],
    ] as const)
      expect(await sshLogin(sshd.port, u.name, old)).toBe(false);
    expect((await run('verify', '--all')).code).toBe(0); // the vault has the new ones
    const report = await run('rotation', 'report', 'webs-weekly');
    expect(report.stdout).toMatch(new RegExp(`web01/${a.name}\\s+changed`));
    // Neither the old passwords nor the new ones reach the output or the operation log.
    const revealed = await Promise.all(
      [a, b].map(async (u) =>
        (await run('account', 'reveal', `web01/${u.name}`, '--reason', 'test')).stdout.trim(),
      ),
    );
    const log = await readFile(path.join(home, 'logs', 'custody.log'), 'utf8');
    for (const x of [A, B, ...revealed]) {
      expect(x.length).toBeGreaterThan(10);
      expect(runNow.stdout + runNow.stderr + report.stdout + log).not.toContain(x);
    }
    expect((await run('rotation', 'add', 'x', '--group', 'webs')).stderr.trim()).toBe(
      'custody: E_USAGE: give exactly one of --once AT, --every-days N, --monthly DAY',
    );
    expect((await run('rotation', 'add', 'x', '--group', 'webs', '--monthly', '32')).stderr.trim()).toBe(
      'custody: E_VALIDATION: the day of the month must be 1–31',
    );
    expect(
      (await run('rotation', 'add', 'x', '--group', 'webs', '--monthly', '1', '--notify-before', '8d')).code,
    ).toBe(1);
    expect((await run('rotation', 'remove', 'webs-weekly')).code).toBe(0);
    expect((await run('rotation', 'report', 'webs-weekly')).stderr.trim()).toMatch(
      /^custody: E_NOT_FOUND: rotation 'webs-weekly'/,
    );
  }, 90_000);
});
