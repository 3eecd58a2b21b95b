// The SSH door's answer for an RDP account, with the real OpenSSH client: a shell gets a one-time
// link built on the address the composition root gives for the web listener; a node with no
// listener says so in one line and makes no link; the plain account list (a gateway without the
// full-screen console) does the same for an RDP account; a command to an RDP account is refused with
// the reason that a shell prints the link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { startTestGateway } from '../support/gateway-fixture.ts';
import { ssh, sshInteractive } from '../support/openssh-client.ts';
import { ADMIN_PASSWORD, createTestVault, pw, type TestVault } from '../support/vault.ts';

describe('the SSH door on an RDP account', () => {
  let v: TestVault;
  let withWeb: RunningGateway;
  let withoutWeb: RunningGateway;
  const linksMade = async () =>
    (await v.core.audit.query(v.host, { type: 'web.link-create', limit: 100 })).length;

  beforeAll(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, { name: 'win01', type: 'windows-rdp', dnsName: '127.0.0.1' });
    await v.core.accounts.add(v.host, 'win01', 'Administrator', pw('Zq9#Lm2$Vx7!Rt4&Kp8w-door'));
    withWeb = await startTestGateway(v, {}, { webAddress: () => 'https://bastion.example:7443' });
    withoutWeb = await startTestGateway(v);
  }, 60_000);
  afterAll(async () => {
    await withWeb?.close();
    await withoutWeb?.close();
    await v?.close();
  });

  it('a shell gets a link on the web listener’s address, for the signed-in user', async () => {
    const r = await ssh(withWeb.port, 'admin:Administrator@win01', { password: ADMIN_PASSWORD }, []);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Open the desktop of win01\/Administrator in a browser within 60 s \(one use; it signs in as admin\):\r?\nhttps:\/\/bastion\.example:7443\/link\/[A-Za-z0-9_-]{43}\r?\n$/,
    );
    const [row] = await v.core.audit.query(v.host, { type: 'web.link-create', limit: 1 });
    expect(JSON.parse(row!.details)).toMatchObject({ path: '/rdp/win01/Administrator' });
  });

  it('the plain account list (a gateway without the full-screen console) prints the link for an RDP account', async () => {
    const op = sshInteractive(withWeb.port, 'admin', { password: ADMIN_PASSWORD });
    await op.out.waitFor(/1 {2}win01\/Administrator[\s\S]*Number to connect/, 15_000);
    op.child.stdin!.write('1\r');
    await op.out.waitFor(
      /Open the desktop of win01\/Administrator in a browser within 60 s \(one use; it signs in as admin\):\r?\nhttps:\/\/bastion\.example:7443\/link\/[A-Za-z0-9_-]{43}\r?\n[\s\S]*Number to connect/,
    );
    op.child.stdin!.write('q\r');
    expect(await op.exited).toBe(0);
  });

  it('a node without a web listener says so and makes no link', async () => {
    const before = await linksMade();
    const r = await ssh(withoutWeb.port, 'admin:Administrator@win01', { password: ADMIN_PASSWORD }, []);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      "custody: 'win01/Administrator' is a desktop (RDP) account: it opens in the browser, and this node runs no web listener",
    );
    expect(await linksMade()).toBe(before);
  });

  it('a command to an RDP account is refused: a shell prints the link', async () => {
    const before = await linksMade();
    const r = await ssh(withWeb.port, 'admin:Administrator@win01', { password: ADMIN_PASSWORD }, ['uptime']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('RDP sessions open in the browser: a shell to the account');
    expect(await linksMade()).toBe(before);
  });
});
