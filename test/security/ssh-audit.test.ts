// The front door offers only modern algorithms: the real `ssh-audit` finds nothing to fail (NIST
// ECDH, SHA-1 MACs, encrypt-and-MAC, compression before authentication are not offered), and the
// real OpenSSH client still connects.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/index.ts';
import { startTestGateway } from '../support/gateway-fixture.ts';
import { ssh } from '../support/openssh-client.ts';
import { createTestVault, USER_PASSWORD, type TestVault } from '../support/vault.ts';

const SSH_AUDIT = '/usr/bin/ssh-audit';
const skip = existsSync(SSH_AUDIT) ? '' : 'skipped: ssh-audit not installed';

function audit(port: number): Promise<string> {
  return new Promise((resolve) =>
    execFile(SSH_AUDIT, ['-n', '-b', '-p', String(port), '127.0.0.1'], { timeout: 60_000 }, (_e, stdout) =>
      resolve(String(stdout)),
    ),
  );
}

describe.skipIf(!!skip)(`front door algorithms${skip ? ` (${skip})` : ''}`, () => {
  let v: TestVault;
  let gw: RunningGateway;

  beforeAll(async () => {
    v = await createTestVault();
    await v.addUser('alice', 'password-user');
    gw = await startTestGateway(v);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await v?.close();
  });

  it('ssh-audit reports no [fail] for the front door, and no [warn] beyond its unknown strict-kex marker', async () => {
    const report = await audit(gw.port);
    console.log(report);
    expect(report).toMatch(/\(kex\) curve25519-sha256/);
    expect(report.split('\n').filter((l) => /\[fail\]/.test(l))).toEqual([]);
    // This ssh-audit (2.5.0) predates the Terrapin fix and calls strict kex "unknown".
    const warnings = report.split('\n').filter((l) => /\[warn\]/.test(l) && !/kex-strict-s-v00/.test(l));
    expect(warnings).toEqual([]);
    expect(report).not.toMatch(/\(gen\) compression: enabled \([^)]*\bzlib\)/);
  }, 90_000);

  it('the real OpenSSH client still logs in with the default algorithms', async () => {
    const r = await ssh(gw.port, 'alice', { password: USER_PASSWORD }, ['-T'], { input: 'q\n' });
    expect(r.stderr).not.toMatch(/no matching|Unable to negotiate/);
    expect(r.code).not.toBe(255);
  }, 60_000);
});
