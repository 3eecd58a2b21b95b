// `custody key rotate` while a node serves sessions: the running `custody server`
// picks up the new key by itself — a session opened after the rotation still gets its target
// password, with no restart.
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

describe.skipIf(!!skip)(`key rotation under a running node${skip ? ` (${skip})` : ''}`, () => {
  let home: string;
  let sshd: SshdInstance;
  let target: TestUser;
  let server: RunningServer | undefined;
  const cli = (...args: string[]) => custody(['--home', home, ...args]);

  beforeAll(async () => {
    target = createTestUser('krlive', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
    sshd = await startSshd({ allowUsers: [target.name] });
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-krlive-'));
    await writeTestConfig(home);
    await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
    await writeFile(path.join(home, 'target.pw'), target.password!);
    for (const args of [
      ['init', '--admin-password-file', path.join(home, 'admin.pw')],
      ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
      ['account', 'add', 'web01', target.name, '--password-file', path.join(home, 'target.pw')],
    ]) {
      const r = await cli(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    server = await startCustodyServer(home, ['--ssh-port', '0']);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await sshd?.stop();
    target?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('a session opened after `custody key rotate` gets its target password without a restart', async () => {
    const user = `admin:${target.name}@web01`;
    const before = await ssh(server!.port, user, { password: ADMIN_PASSWORD }, ['echo', 'before']);
    expect(before.stderr).toBe('');
    expect(before.stdout).toBe('before\n');

    const rotated = await cli('key', 'rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/re-encrypted \d+ secrets under key [0-9a-f]{8}/);

    const after = await ssh(server!.port, user, { password: ADMIN_PASSWORD }, ['echo', 'after']);
    expect(after.stderr).not.toMatch(/which the key file does not hold/);
    expect(after.stdout).toBe('after\n');
    expect(after.code).toBe(0);
    expect(server!.output()).not.toMatch(/does not hold/);
  }, 90_000);
});
