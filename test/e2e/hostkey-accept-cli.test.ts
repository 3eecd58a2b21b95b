// Accepting a target's changed host key: a re-installed server is refused until an
// administrator runs `custody hostkey accept` — without a fingerprint the next connection pins
// whatever key it meets (trust on first use), with `--fingerprint` only that key gets in. A new
// address (`resource update --port`) drops the pin. Real sshd, real CLI, real `custody server`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { startCustodyServer, type RunningServer } from '../support/custody-server.ts';
import { ssh } from '../support/openssh-client.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { ADMIN_PASSWORD, writeTestConfig } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`hostkey accept after a target's key changed${skip ? ` (${skip})` : ''}`, () => {
  let home: string;
  let sshd: SshdInstance;
  let target: TestUser;
  let server: RunningServer | undefined;
  const cli = async (...args: string[]) => {
    const r = await custody(['--home', home, ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const session = () =>
    ssh(server!.port, `admin:${target.name}@web01`, { password: ADMIN_PASSWORD }, ['echo', 'in']);

  beforeAll(async () => {
    target = createTestUser('hkacc', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
    sshd = await startSshd({ allowUsers: [target.name] });
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-hkacc-'));
    await writeTestConfig(home);
    await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
    await writeFile(path.join(home, 'target.pw'), target.password!);
    await cli('init', '--admin-password-file', path.join(home, 'admin.pw'));
    await cli(
      'resource',
      'add',
      'web01',
      '--type',
      'linux',
      '--host',
      '127.0.0.1',
      '--port',
      String(sshd.port),
    );
    await cli('account', 'add', 'web01', target.name, '--password-file', path.join(home, 'target.pw'));
    server = await startCustodyServer(home, ['--ssh-port', '0']);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await sshd?.stop();
    target?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('refuses a changed key until accepted, with and without --fingerprint', async () => {
    const first = sshd.hostKey;
    expect((await session()).stdout).toBe('in\n');
    expect(await cli('hostkey', 'show', 'web01')).toContain(first.fingerprint);
    expect(await cli('hostkey', 'list')).toMatch(
      new RegExp(
        `web01\\s+127\\.0\\.0\\.1:${sshd.port}\\s+\\S+\\s+${first.fingerprint.replace(/[+/]/g, '\\$&')}`,
      ),
    );
    const shown0 = await cli('resource', 'show', 'web01');
    expect(shown0).toMatch(/host key: \S+ SHA256:/);
    expect(shown0).toContain(first.fingerprint);

    // Re-installed: refused, and it stays refused.
    const second = await sshd.rotateHostKey();
    const refused = await session();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/host key of 'web01' changed/);

    // Trust on first use: the next session gets in and pins the new key.
    expect(await cli('hostkey', 'accept', 'web01')).toMatch(/trust on first use/);
    expect((await session()).stdout).toBe('in\n');
    expect(await cli('hostkey', 'show', 'web01')).toContain(second.fingerprint);

    // With --fingerprint of the wrong key: still refused; with the right one: in, and pinned.
    const third = await sshd.rotateHostKey();
    expect(await cli('hostkey', 'accept', 'web01', '--fingerprint', first.fingerprint)).toMatch(
      /must present/,
    );
    const wrong = await session();
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/not the one an administrator accepted/);
    await cli('hostkey', 'accept', 'web01', '--fingerprint', third.fingerprint);
    expect((await session()).stdout).toBe('in\n');
    const shown = JSON.parse(await cli('--json', 'hostkey', 'show', 'web01')) as {
      fingerprint: string;
      state: string;
    }[];
    expect(shown.map((k) => [k.fingerprint, k.state])).toEqual([[third.fingerprint, 'pinned']]);

    const audit = await cli('--json', 'audit', 'list', '--type', 'host-key', '--limit', '100');
    expect(audit).toContain('host-key.accept');
    expect(audit).toContain('host-key.mismatch');
    // Each CLI run is a fresh Node process (seconds on a loaded machine): a generous budget.
  }, 420_000);

  it('resource update --port drops the pin (audited): the key belonged to the old address', async () => {
    expect(await cli('hostkey', 'show', 'web01')).toContain(sshd.hostKey.fingerprint);
    await cli('resource', 'update', 'web01', '--port', String(sshd.port + 1));
    await cli('resource', 'update', 'web01', '--port', String(sshd.port));
    expect(await cli('hostkey', 'show', 'web01')).toMatch(/no host key pinned/);
    expect(await cli('resource', 'show', 'web01')).toContain('host key: not pinned yet');
    expect(await cli('--json', 'audit', 'list', '--type', 'host-key.forget')).toContain('address-changed');
  }, 180_000);
});
