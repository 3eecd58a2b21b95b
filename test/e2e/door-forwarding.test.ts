// `ssh -L` / `ssh -W` through the front door towards a port nobody listens on: the refusal reaches
// the client with a reason, and the gateway (the whole node) stays up for everyone else.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { askpassEnv, runClient, sshInteractive, sshOptions } from '../support/openssh-client.ts';
import { Transcript } from '../support/interactive.ts';
import { freePort, sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();

describe.skipIf(!!skip)(`port forwarding failures${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;

  beforeAll(async () => {
    fx = await sshTargetFixture('fwdroot', { operators: ['alice', 'bob'] });
    await fx.v.core.resources.update(fx.v.host, 'web01', { allowPortForwarding: true });
  }, 60_000);

  afterAll(async () => fx?.close());

  it("a forward to a closed port does not end another operator's shell, and says why", async () => {
    const bob = sshInteractive(fx.gw.port, fx.direct('bob'), { password: USER_PASSWORD });
    await bob.out.waitFor(/\$ $/m, 15_000);
    const closed = await freePort();
    // `ssh -W` opens the same direct-tcpip channel as `ssh -L` does for each local connection.
    const id = { password: USER_PASSWORD };
    // LogLevel INFO: the client prints the channel-open failure only at that level.
    const options = sshOptions(fx.gw.port, id).map((o) => (o === 'LogLevel=ERROR' ? 'LogLevel=INFO' : o));
    const r = await runClient(
      'ssh',
      [...options, '-W', `127.0.0.1:${closed}`, `${fx.direct('alice')}@127.0.0.1`],
      id,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/open failed: connect failed: \S.*refused/);
    // Bob's shell is still there and usable.
    bob.child.stdin!.write('echo STILL-$((40+2))\n');
    await bob.out.waitFor(/STILL-42/, 10_000);
    bob.child.stdin!.write('exit\n');
    expect(await bob.exited).toBe(0);
    const refused = await fx.v.core.audit.query(fx.v.host, { type: 'session.refused', limit: 5 });
    expect(refused.map((e) => e.details).join('\n')).toMatch(new RegExp(`port ${closed}|"port":${closed}`));
  }, 60_000);

  it('ssh -L towards a closed port: the operator reads why, a shell open meanwhile keeps working, the audit says why', async () => {
    const bob = sshInteractive(fx.gw.port, fx.direct('bob'), { password: USER_PASSWORD });
    await bob.out.waitFor(/\$ $/m, 15_000);
    const closed = await freePort();
    const local = await freePort();
    const id = { password: USER_PASSWORD };
    const options = sshOptions(fx.gw.port, id).map((o) => (o === 'LogLevel=ERROR' ? 'LogLevel=DEBUG1' : o));
    const forward = spawn(
      '/usr/bin/ssh',
      [...options, '-N', '-L', `127.0.0.1:${local}:127.0.0.1:${closed}`, `${fx.direct('alice')}@127.0.0.1`],
      { env: askpassEnv(id), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stderr = new Transcript();
    forward.stderr!.on('data', (c: Buffer) => stderr.push(c));
    try {
      // The client listens locally once it has logged in; each local connection asks for a forward.
      // Bound to 127.0.0.1 only and waited for by that address: with the default bind, the client
      // says it listens on ::1 first and the test's IPv4 connection could arrive before the IPv4
      // listener exists (refused locally, so no forward was ever asked for).
      await stderr.waitFor(/Local forwarding listening on 127\.0\.0\.1 port \d+/, 15_000);
      const socket = net.connect(local, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('close', resolve));
      await stderr.waitFor(/open failed: connect failed: \S.*port \d+ refused the connection/, 10_000);
      bob.child.stdin!.write('echo AFTER-L-$((40+2))\n');
      await bob.out.waitFor(/AFTER-L-42/, 10_000);
      bob.child.stdin!.write('exit\n');
      expect(await bob.exited).toBe(0);
      const refused = await fx.v.core.audit.query(fx.v.host, { type: 'session.refused', limit: 5 });
      expect(refused.map((e) => e.details).join('\n')).toMatch(
        new RegExp(`port ${closed} refused the connection`),
      );
    } finally {
      forward.kill();
    }
  }, 60_000);
});
