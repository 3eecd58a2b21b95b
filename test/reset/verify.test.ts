// Verification against a real sshd and real Linux users: in sync, out of sync after the password
// changed on the target behind the vault's back, unreachable (port closed: NOT out of sync),
// unsupported types, a changed host key, and every verdict audited as password.verify with
// details.status.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { VerificationService } from '../../core/index.ts';
import { SshUnixResetConnector } from '../../reset/index.ts';
import { createTestUser, freePort, sshdSkipReason, startSshd, type SshdInstance } from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason();
const REAL = { unix: new SshUnixResetConnector({ connectTimeoutMs: 5_000 }) };
const CANARY = 'Cv7#verify-canary-Qm2$Lp9!';

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function world(): Promise<{ v: TestVault; sshd: SshdInstance; names: string[] }> {
  const a = createTestUser('vfa', { password: CANARY });
  const b = createTestUser('vfb', { password: 'Kx4#Wq8$Bn2!Zr6&Tm' });
  cleanups.push(
    () => a.remove(),
    () => b.remove(),
  );
  const sshd = await startSshd({ allowUsers: [a.name, b.name] });
  cleanups.push(() => sshd.stop());
  const v = await createTestVault();
  cleanups.push(() => v.close());
  await v.core.resources.create(v.host, {
    name: 'web01',
    type: 'linux',
    dnsName: '127.0.0.1',
    port: sshd.port,
  });
  await v.core.accounts.add(v.host, 'web01', a.name, pw(a.password));
  await v.core.accounts.add(v.host, 'web01', b.name, pw(b.password));
  return { v, sshd, names: [a.name, b.name] };
}

const verdicts = async (v: TestVault) =>
  (await v.core.audit.query(v.host, { type: 'password.verify', limit: 100 })).map((r) => ({
    target: r.targetName,
    result: r.result,
    status: (JSON.parse(r.details) as { status: string }).status,
  }));

describe.skipIf(!!skip)('verification over SSH (real sshd, real Linux users)', () => {
  it('in sync, then out of sync after the password changed on the target directly; both audited with details.status', async () => {
    const { v, sshd, names } = await world();
    const svc = new VerificationService(contextOf(v.core), REAL);
    expect(await svc.verify(v.host, `web01/${names[0]}`)).toEqual({
      account: `web01/${names[0]}`,
      status: 'in-sync',
    });
    // Someone with root on the target changes it behind the vault's back.
    execFileSync('chpasswd', [], { input: `${names[1]}:Changed-Behind-The-Vault-9#\n` });
    const out = await svc.verify(v.host, `web01/${names[1]}`);
    expect(out.status).toBe('out-of-sync');
    expect(out.message).toMatch(/refused the credential/);
    expect(await verdicts(v)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 'in-sync', result: 'success' }),
        expect.objectContaining({ status: 'out-of-sync', result: 'failure' }),
      ]),
    );
    // The bulk run sees the same, with progress for each account.
    const seen: number[] = [];
    const all = await svc.verifyAll(v.host, { resource: 'web01' }, (done) => seen.push(done));
    expect(all.map((r) => r.status).sort()).toEqual(['in-sync', 'out-of-sync']);
    expect(seen).toEqual([1, 2]);
    // The vault's password never reaches the log or the audit rows.
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 1000 }));
    expect(audit).not.toContain(CANARY);
    await sshd.stop();
  }, 60_000);

  it('unreachable (the port is closed) is NOT out of sync', async () => {
    const { v, names } = await world();
    const port = await freePort();
    await v.core.resources.create(v.host, { name: 'down01', type: 'linux', dnsName: '127.0.0.1', port });
    await v.core.accounts.add(v.host, 'down01', names[0]!, pw(CANARY));
    const r = await new VerificationService(contextOf(v.core), REAL).verify(v.host, `down01/${names[0]}`);
    expect(r.status).toBe('unreachable');
    expect(r.message).toMatch(/unreachable: ECONNREFUSED/);
    expect(await verdicts(v)).toEqual([
      { target: `down01/${names[0]}`, result: 'failure', status: 'unreachable' },
    ]);
  }, 60_000);

  it('a type without a verifying connector is unsupported; a changed host key is unreachable, never out of sync', async () => {
    const { v, sshd, names } = await world();
    await v.core.resources.create(v.host, { name: 'db01', type: 'postgres', dnsName: '127.0.0.1', port: 1 });
    await v.core.accounts.add(v.host, 'db01', 'app', pw(CANARY));
    const svc = new VerificationService(contextOf(v.core), REAL);
    expect((await svc.verify(v.host, 'db01/app')).status).toBe('unsupported');
    expect((await svc.verify(v.host, `web01/${names[0]}`)).status).toBe('in-sync'); // pins the key
    await sshd.rotateHostKey();
    const r = await svc.verify(v.host, `web01/${names[0]}`);
    expect(r).toMatchObject({
      status: 'unreachable',
      message: expect.stringMatching(/host key of 'web01' changed/),
    });
    expect((await v.core.audit.query(v.host, { type: 'host-key.mismatch' })).length).toBe(1);
  }, 60_000);
});
