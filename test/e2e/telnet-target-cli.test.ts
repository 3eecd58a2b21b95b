// docs/operators/connecting.md's "add a Telnet target" commands, verified as written: the real CLI
// adds a `telnet-device` resource and its account, the real `custody server` serves it, and
// `ssh 'admin:USER@switch01'@node` lands in the target's shell with the password typed for you.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { startCustodyServer, type RunningServer } from '../support/custody-server.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { createTestUser, type TestUser } from '../support/sshd.ts';
import { startTelnetd, telnetdSkipReason, type TelnetdInstance } from '../support/telnetd.ts';
import { ADMIN_PASSWORD, writeTestConfig } from '../support/vault.ts';

const skip = telnetdSkipReason();

describe.skipIf(!!skip)(`a Telnet target added with the CLI${skip ? ` (${skip})` : ''}`, () => {
  let home: string;
  let telnetd: TelnetdInstance;
  let target: TestUser;
  let server: RunningServer | undefined;
  const cli = (...args: string[]) => custody(['--home', home, ...args]);

  beforeAll(async () => {
    target = createTestUser('tncli', { password: 'Tg7#Kp2$Wm9!Lq4&Zx5v' });
    telnetd = await startTelnetd();
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-telnet-'));
    await writeTestConfig(home);
    await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
    await writeFile(path.join(home, 'ops.pw'), target.password!);
    for (const args of [
      ['init', '--admin-password-file', path.join(home, 'admin.pw')],
      [
        'resource',
        'add',
        'switch01',
        '--type',
        'telnet-device',
        '--host',
        '127.0.0.1',
        '--port',
        String(telnetd.port),
      ],
      ['account', 'add', 'switch01', target.name, '--password-file', path.join(home, 'ops.pw')],
    ]) {
      const r = await cli(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    server = await startCustodyServer(home, ['--ssh-port', '0']);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await telnetd?.stop();
    target?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("ssh 'admin:USER@switch01'@node logs in over Telnet with the stored password", async () => {
    const s = sshInteractive(server!.port, `admin:${target.name}@switch01`, { password: ADMIN_PASSWORD });
    const guard = setTimeout(() => s.child.kill(), 60_000);
    try {
      await s.out.waitFor(/\$ $/m, 40_000);
      s.child.stdin!.write('echo TELNET-$((6*7)); id -un\n');
      await s.out.waitFor(new RegExp(`TELNET-42[\\s\\S]*${target.name}`), 15_000);
      s.child.stdin!.write('exit\n');
      await s.exited;
    } finally {
      clearTimeout(guard);
      s.child.kill();
    }
    expect(s.out.text).not.toContain(target.password);
  }, 90_000);
});
