// Refused and unreachable session attempts: a Telnet target cannot run a command, so an
// exec to it is refused before its credential is used or a recording opened; a target nobody
// listens on leaves no recording either. Real telnetd (socat + /bin/login), real sshd, real OpenSSH.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { TARGET_PASSWORD, startTestGateway } from '../support/gateway-fixture.ts';
import { ssh, sshInteractive } from '../support/openssh-client.ts';
import { createTestUser, freePort, sshdSkipReason, type TestUser } from '../support/sshd.ts';
import { startTelnetd, telnetdSkipReason, type TelnetdInstance } from '../support/telnetd.ts';
import { USER_PASSWORD, createTestVault, pw, type TestVault } from '../support/vault.ts';

const skip = sshdSkipReason() ?? telnetdSkipReason();

describe.skipIf(!!skip)(`refused session attempts${skip ? ` (${skip})` : ''}`, () => {
  let v: TestVault;
  let telnetd: TelnetdInstance;
  let user: TestUser;
  let gw: RunningGateway;

  beforeAll(async () => {
    user = createTestUser('refuse', { password: TARGET_PASSWORD });
    telnetd = await startTelnetd();
    v = await createTestVault();
    await v.core.resources.create(v.host, {
      name: 'switch01',
      type: 'telnet-device',
      dnsName: telnetd.host,
      port: telnetd.port,
    });
    await v.core.resources.create(v.host, {
      name: 'gone01',
      type: 'linux',
      dnsName: '127.0.0.1',
      port: await freePort(),
    });
    await v.addUser('alice', 'password-user');
    for (const res of ['switch01', 'gone01']) {
      await v.core.accounts.add(v.host, res, user.name, pw(TARGET_PASSWORD));
      await v.core.sharing.grant(
        v.host,
        { kind: 'account', name: `${res}/${user.name}` },
        { kind: 'user', name: 'alice' },
        'view',
      );
    }
    gw = await startTestGateway(v, { connectTimeoutMs: 5000 });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await v?.close();
    await telnetd?.stop();
    user?.remove();
  });

  const rowsFor = async (type: string, ref: string) =>
    (await v.core.audit.query(v.host, { type, limit: 1000 })).filter((r) => JSON.stringify(r).includes(ref));

  it('an exec to a Telnet target is refused with its reason: no credential use, no recording', async () => {
    const ref = `switch01/${user.name}`;
    const r = await ssh(gw.port, `alice:${user.name}@switch01`, { password: USER_PASSWORD }, ['uname']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/custody: telnet offers interactive shells only, not exec/);
    const refused = await rowsFor('session.refused', ref);
    expect(refused).toHaveLength(1);
    expect(JSON.stringify(refused[0])).toMatch(/telnet offers interactive shells only/);
    expect(await rowsFor('session.credential-use', ref)).toEqual([]);
    const recordings = await v.core.recordings.list(v.host, {});
    expect(recordings.filter((x) => x.target === ref)).toEqual([]);
  }, 30_000);

  it('a target nobody listens on leaves no recording', async () => {
    const ref = `gone01/${user.name}`;
    const r = await ssh(gw.port, `alice:${user.name}@gone01`, { password: USER_PASSWORD }, ['uname']);
    expect(r.code).not.toBe(0);
    expect(await rowsFor('session.refused', ref)).toHaveLength(1);
    const recordings = await v.core.recordings.list(v.host, {});
    expect(recordings.filter((x) => x.target === ref)).toEqual([]);
  }, 30_000);

  it('a shell to a target nobody listens on: a refusal with its reason, an audit row, no recording', async () => {
    const ref = `gone01/${user.name}`;
    const before = (await rowsFor('session.refused', ref)).length;
    const op = sshInteractive(gw.port, `alice:${user.name}@gone01`, { password: USER_PASSWORD });
    expect(await op.exited).not.toBe(0);
    expect(op.out.text).toMatch(/custody: .*refused the connection/);
    const refused = await rowsFor('session.refused', ref);
    expect(refused).toHaveLength(before + 1);
    expect(String(refused[0]!.details)).toMatch(/refused the connection/);
    expect(await rowsFor('session.start', ref)).toEqual([]);
    const recordings = await v.core.recordings.list(v.host, {});
    expect(recordings.filter((x) => x.target === ref)).toEqual([]);
  }, 30_000);
});
