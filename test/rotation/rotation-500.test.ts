// A scheduled-rotation task over 500 accounts across THREE real sshd targets (real Linux users made
// for this run with one `newusers` call, removed afterwards), run through the real `custody
// rotation run` process: its progress display and its results report. Then a sample of accounts
// logs in with the new password and not the old, and the one checked-out account is reported
// skipped and still has its old password.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { testRun } from '../support/netns.ts';
import { sshdSkipReason, startSshd, type SshdInstance } from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { sshLogin } from '../reset/helpers.ts';
import { vaultHas } from './helpers.ts';

const skip = sshdSkipReason();
const TOTAL = 500;
const TARGETS = ['a', 'b', 'c'] as const;
const CONCURRENCY = Number(process.env.ROTATION_500_CONCURRENCY ?? 4);

/** A Strong-policy password (16+, mixed case, 2 digits, 2 specials, starts with a letter). */
const strong = () => `Rt${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}#7$4q`;

interface Seeded {
  name: string;
  target: (typeof TARGETS)[number];
  password: string;
}

const users: Seeded[] = [];
const daemons: SshdInstance[] = [];
let v: TestVault | undefined;

afterAll(async () => {
  for (const d of daemons) await d.stop();
  await v?.close();
  // userdel per user (the ledger in netns.ts would also catch them if this process were killed).
  for (const u of users) {
    try {
      execFileSync('userdel', ['-r', '-f', u.name], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
}, 120_000);

describe.skipIf(!!skip)(`rotation of ${TOTAL} accounts across three real sshd targets`, () => {
  it('custody rotation run: progress display, results report (499 changed, 1 checked-out skipped, 0 failed); new passwords log in, old ones do not', async () => {
    const t0 = Date.now();
    const tr = testRun();
    for (let i = 0; i < TOTAL; i++) {
      const target = TARGETS[i % 3]!;
      users.push({ name: `${tr.prefix}${target}${String(i).padStart(3, '0')}`, target, password: strong() });
    }
    for (const u of users) tr.trackUser(u.name);
    // One process for all 500 users; passwords on its stdin, never in argv.
    execFileSync('newusers', [], {
      input:
        users.map((u) => `${u.name}:${u.password}:::custody test:/home/${u.name}:/bin/bash`).join('\n') +
        '\n',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    for (const t of TARGETS) daemons.push(await startSshd({ allowUsers: [`${tr.prefix}${t}*`] }));
    const tUsers = Date.now();

    v = await createTestVault({ extraConfig: { rotation: { concurrency: CONCURRENCY } } });
    await v.core.groups.create(v.host, { name: 'fleet', kind: 'static' });
    for (const [i, t] of TARGETS.entries()) {
      await v.core.resources.create(v.host, {
        name: `target-${t}`,
        type: 'linux',
        dnsName: '127.0.0.1',
        port: daemons[i]!.port,
      });
      await v.core.groups.addResource(v.host, 'fleet', `target-${t}`);
    }
    for (const u of users) await v.core.accounts.add(v.host, `target-${u.target}`, u.name, pw(u.password));
    // One account is checked out by a user: the rotation must skip it.
    const held = users[7]!;
    const alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: `target-${held.target}` },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await v.core.access.configure(v.host, `target-${held.target}`, {
      approvers: ['admin'],
      autoApprove: 'always',
    });
    await v.core.access.request(alice, `target-${held.target}/${held.name}`, 'maintenance');
    await v.core.access.checkout(alice, `target-${held.target}/${held.name}`);
    await v.core.rotation.create(v.host, {
      name: 'fleet-monthly',
      group: 'fleet',
      schedule: { kind: 'monthly', monthDay: 1, at: '03:00' },
      notifyBeforeMinutes: 60,
    });
    await v.core.close(); // the CLI process opens the same SQLite file
    const tVault = Date.now();

    const run = await custody(['rotation', 'run', 'fleet-monthly', '--home', v.home], { timeoutMs: 200_000 });
    const tRun = Date.now();
    // A run killed at its guard would otherwise surface as a puzzling missing progress line.
    expect(run.timedOut, `custody rotation run was killed after ${tRun - tVault} ms (guard 200 s)`).toBe(
      false,
    );
    expect(run.stderr).toMatch(/rotating: 0?\d+\/500 accounts \(\d+%\)/);
    expect(run.stderr).toContain('rotating: 500/500 accounts (100%)');
    expect(run.stdout).toContain('499 changed, 1 skipped, 0 failed');
    expect(run.stdout).toMatch(new RegExp(`target-${held.target}/${held.name}\\s+skipped\\s+checked out`));
    expect(run.code).toBe(0);
    const report = await custody(['rotation', 'report', 'fleet-monthly', '--json', '--home', v.home]);
    const parsed = JSON.parse(report.stdout) as {
      changed: number;
      skipped: number;
      failed: number;
      results: unknown[];
    };
    expect(parsed).toMatchObject({ changed: 499, skipped: 1, failed: 0 });
    expect(parsed.results).toHaveLength(TOTAL);

    await v.reopen();
    // A sample of 20 (plus the held one): new password logs in, old one is refused.
    const sample = new Set<number>();
    while (sample.size < 20) {
      const i = randomInt(TOTAL);
      if (i !== 7) sample.add(i);
    }
    for (const i of sample) {
      const u = users[i]!;
      const port = daemons[TARGETS.indexOf(u.target)]!.port;
      const now = await vaultHas(v, `target-${u.target}/${u.name}`);
      expect(now).not.toBe(u.password);
      expect(await sshLogin(port, u.name, now)).toBe(true);
      expect(await sshLogin(port, u.name, u.password)).toBe(false);
    }
    const heldPort = daemons[TARGETS.indexOf(held.target)]!.port;
    expect(await vaultHas(v, `target-${held.target}/${held.name}`)).toBe(held.password);
    expect(await sshLogin(heldPort, held.name, held.password)).toBe(true);
    expect(await v.core.audit.query(v.host, { type: 'password.reset', limit: 1000 })).toHaveLength(499);
    expect(await v.core.audit.verify(v.host)).toMatchObject({ ok: true });
    const tEnd = Date.now();
    console.log(
      `rotation-500: users+sshd ${tUsers - t0} ms, vault ${tVault - tUsers} ms, ` +
        `custody rotation run ${tRun - tVault} ms (${((499 * 1000) / (tRun - tVault)).toFixed(1)} resets/s incl. CLI start, concurrency ${CONCURRENCY}), ` +
        `checks ${tEnd - tRun} ms`,
    );
  }, 300_000);
});
