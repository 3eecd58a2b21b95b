// The README's "first five minutes", run as written against a real sshd: `start` (what `npm start`
// runs) initialises a home and prints how to log in with the generated password; the CLI adds a
// target, its account, a user and a share; `ssh 'admin:ACCOUNT@web01'@node uptime` runs on the
// target with the vaulted password injected; the session is listed under recordings and exports as
// an asciicast the player reads. A Linux test user stands in for the README's `root`.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { USER_PASSWORD, writeTestConfig } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`the README's first five minutes${skip ? ` (${skip})` : ''}`, () => {
  let home: string;
  let sshd: SshdInstance;
  let target: TestUser;
  let server: RunningServer | undefined;
  let adminPassword: string;
  const cli = (...args: string[]) => custody(['--home', home, ...args]);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return r;
  };

  beforeAll(async () => {
    target = createTestUser('readme', { password: 'Rm4#Tq8$Wv2!Kp7&Zx3n' });
    sshd = await startSshd({ allowUsers: [target.name] });
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-readme-'));
    await writeTestConfig(home);
    await writeFile(path.join(home, 'root.pw'), target.password!);
    await writeFile(path.join(home, 'alice.pw'), USER_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await sshd?.stop();
    target?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('logs in with the password start prints the way to', async () => {
    server = await startCustodyServer(home, ['--ssh-port', '0'], 'start');
    const passwordFile = path.join(home, 'keys', 'initial-admin-password');
    expect(server.output()).toContain(`Log in:  ssh -p ${server.port} admin@127.0.0.1`);
    expect(server.output()).toContain(`(password: cat ${passwordFile})`);
    adminPassword = (await readFile(passwordFile, 'utf8')).trim();
    expect(server.output()).not.toContain(adminPassword);
  }, 60_000);

  it('adds a target, its account, a user and a share with the README commands', async () => {
    await ok(
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
    await ok('account', 'add', 'web01', target.name, '--password-file', path.join(home, 'root.pw'));
    await ok(
      'user',
      'add',
      'alice',
      '--role',
      'password-user',
      '--password-file',
      path.join(home, 'alice.pw'),
    );
    await ok('share', `web01/${target.name}`, '--user', 'alice', '--privilege', 'view');
  }, 120_000);

  it("connects: ssh 'admin:ACCOUNT@web01'@node uptime runs on the target, password injected", async () => {
    const r = await ssh(server!.port, `admin:${target.name}@web01`, { password: adminPassword }, ['uptime'], {
      timeoutMs: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/load average/);
    expect(r.stdout + r.stderr).not.toContain(target.password);
  }, 90_000);

  it('replays: the session is listed for web01 and exports as an asciicast', async () => {
    const list = await ok('recordings', 'list', '--resource', 'web01', '--json');
    const rows = JSON.parse(list.stdout) as { id: string; target: string }[];
    expect(rows).toHaveLength(1);
    const cast = path.join(home, 'web01.cast');
    await ok('recordings', 'export', rows[0]!.id, '--format', 'asciicast', '--output', cast);
    const [header, ...events] = (await readFile(cast, 'utf8')).trim().split('\n');
    expect((JSON.parse(header!) as { version: number }).version).toBe(2);
    expect(events.some((e) => e.includes('load average'))).toBe(true);
    expect(events.join('\n')).not.toContain(target.password);
  }, 90_000);
});
