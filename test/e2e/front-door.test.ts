// The real OpenSSH client through the gateway to a real sshd: the direct-target username, exec,
// credential injection, host-key pinning, and the one-line refusals.
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { ssh } from '../support/openssh-client.ts';
import { sshdSkipReason, type SshdInstance, type TestUser } from '../support/sshd.ts';
import { USER_PASSWORD, type TestVault } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`gateway front door with the real OpenSSH client${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let v: TestVault;
  let sshd: SshdInstance;
  let target: TestUser;
  let gw: RunningGateway;

  beforeAll(async () => {
    fx = await sshTargetFixture('fdroot');
    ({ v, sshd, target, gw } = fx);
    await v.addUser('mallory', 'password-user');
  }, 60_000);

  afterAll(async () => fx?.close());

  it('runs a command on the target as the vaulted account, without the operator knowing its password', async () => {
    const r = await ssh(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD }, [
      'id -un; echo $((6*7))',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${target.name}\n42\n`);
    expect(r.code).toBe(0);
    const events = (await v.core.audit.query(v.host, { type: 'session.', limit: 20 })).map((e) => e.type);
    expect(events).toEqual(
      expect.arrayContaining(['session.authorize', 'session.credential-use', 'session.start', 'session.end']),
    );
  });

  it('passes the exit code through', async () => {
    const r = await ssh(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD }, ['exit 7']);
    expect(r.code).toBe(7);
  });

  it('gives unknown and forbidden targets the same one-line message', async () => {
    const unknown = await ssh(gw.port, `alice:root@nowhere`, { password: USER_PASSWORD }, ['true']);
    const forbidden = await ssh(gw.port, `mallory:${target.name}@web01`, { password: USER_PASSWORD }, [
      'true',
    ]);
    expect(unknown.code).toBe(1);
    expect(forbidden.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(`custody: account 'nowhere/root' not found`);
    expect(forbidden.stderr.trim()).toBe(`custody: account 'web01/${target.name}' not found`);
  });

  it('refuses a malformed username with one line, and a wrong password with the usual denial', async () => {
    const malformed = await ssh(gw.port, `alice:nothing`, { password: USER_PASSWORD }, ['true']);
    expect(malformed.stderr.trim()).toBe(`custody: 'alice:nothing' is not USER:ACCOUNT@RESOURCE`);
    expect(malformed.code).toBe(2);
    const refused = await v.core.audit.query(v.host, { type: 'session.refused', actor: 'alice', limit: 5 });
    expect(refused.map((r) => r.targetName)).toContain('alice:nothing');
    const wrong = await ssh(gw.port, `alice:${target.name}@web01`, { password: 'not-the-password' }, [
      'true',
    ]);
    expect(wrong.code).toBe(255);
    expect(wrong.stderr).toMatch(/Permission denied/);
    expect(wrong.stderr).not.toMatch(/\bat \S+:\d+/);
  });

  it('an exec session is live too: listed, and terminated with a one-line reason', async () => {
    const running = ssh(gw.port, `alice:${target.name}@web01`, { password: USER_PASSWORD }, [
      'sleep 30; echo never',
    ]);
    let live = await v.core.live.list(v.host);
    for (let i = 0; i < 100 && !live.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      live = await v.core.live.list(v.host);
    }
    expect(live.map((l) => [l.user, l.target, l.protocol])).toEqual([
      ['alice', `web01/${target.name}`, 'ssh exec'],
    ]);
    const asked = Date.now();
    await v.core.live.terminate(v.host, live[0]!.id, 'maintenance');
    const r = await running;
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(r.stdout).not.toContain('never');
    expect(r.stderr).toMatch(/\[custody\] session ended: terminated by host:tester: maintenance/);
    expect(r.code).not.toBe(0);
    expect(await v.core.live.list(v.host)).toEqual([]);
  });

  it('refuses port forwarding unless the resource allows it', async () => {
    const forward = async () => {
      const client = new ssh2.Client();
      await new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('error', reject);
        client.connect({
          host: '127.0.0.1',
          port: gw.port,
          username: `alice:${target.name}@web01`,
          password: USER_PASSWORD,
        });
      });
      try {
        return await new Promise<string>((resolve) =>
          client.forwardOut('127.0.0.1', 0, '127.0.0.1', sshd.port, (err, ch) => {
            if (err) return resolve(`refused: ${err.message}`);
            ch.once('data', (d: Buffer) => resolve(d.toString('latin1').split('\r\n')[0]!));
          }),
        );
      } finally {
        client.end();
      }
    };
    expect(await forward()).toMatch(/^refused/);
    expect((await v.core.audit.query(v.host, { type: 'session.refused', limit: 3 }))[0]!.details).toMatch(
      /port forwarding is not allowed/,
    );
    await v.core.resources.update(v.host, 'web01', { allowPortForwarding: true });
    expect(await forward()).toMatch(/^SSH-2\.0-OpenSSH/);
    await v.core.resources.update(v.host, 'web01', { allowPortForwarding: false });
  });
});
