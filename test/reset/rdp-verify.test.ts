// Verification of windows-rdp accounts with the NLA handshake, against a REAL FreeRDP shadow
// server (`/sec:nla /sam-file:F`) on loopback: in sync; out of sync once the SAM entry is rewritten
// with `winpr-hash` for another password and the server restarted (the password changed behind
// the vault's back); unreachable once nothing listens (NOT out of sync). Each verdict is audited as
// password.verify; the vaulted password is in no audit row and no message. The TLS certificate is
// pinned on first use in the same place a session pins it, and a changed one is never offered the
// login. Windows accounts stay non-resettable: the connector only verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationService } from '../../core/index.ts';
import { resetConnectorsFor } from '../../reset/index.ts';
import { WindowsRdpVerifyConnector } from '../../reset/rdp-verify.ts';
import { contextOf } from '../support/core-internals.ts';
import {
  rdpServerSkipReason,
  startShadowServer,
  strongPassword,
  type RdpTestServer,
} from '../support/rdp-servers.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const skip = rdpServerSkipReason('shadow');

describe.skipIf(!!skip)(`verification of windows-rdp accounts over NLA${skip ? ` (${skip})` : ''}`, () => {
  let server: RdpTestServer;
  let v: TestVault;
  let svc: VerificationService;
  let ref: string;

  beforeAll(async () => {
    server = await startShadowServer({ security: 'nla' });
    v = await createTestVault();
    await v.core.resources.create(v.host, {
      name: 'win01',
      type: 'windows-rdp',
      dnsName: server.host,
      port: server.port,
    });
    await v.core.accounts.add(v.host, 'win01', server.user.name, pw(server.user.password));
    ref = `win01/${server.user.name}`;
    svc = new VerificationService(contextOf(v.core), {
      windows: new WindowsRdpVerifyConnector({ timeoutMs: 5000 }),
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await v?.close();
  });

  it('is registered for windows-rdp (reset kind "windows") and verifies only', () => {
    const c = resetConnectorsFor().windows;
    expect(c).toBeInstanceOf(WindowsRdpVerifyConnector);
    expect(c?.verifyOnly).toBe(true);
  });

  it('in sync while the server holds the vaulted password', async () => {
    expect(await svc.verify(v.host, ref)).toEqual({ account: ref, status: 'in-sync' });
  }, 30_000);

  it('out of sync after the password changed behind the vault (SAM rewritten with winpr-hash)', async () => {
    await server.changeSamPassword(strongPassword());
    const r = await svc.verify(v.host, ref);
    expect(r.status).toBe('out-of-sync');
    expect(r.message).toBe(
      `win01 (${server.host}:${server.port}) refused the credential of '${server.user.name}' (NLA logon failure)`,
    );
  }, 30_000);

  it('pins the certificate on first use like a session, and a changed one is unreachable, not out of sync', async () => {
    const pins = await v.core.hostKeys.show(v.host, 'win01');
    expect(pins.map((p) => [p.keyType, p.fingerprint])).toEqual([
      ['rdp-tls-certificate', server.certificateFingerprint],
    ]);
    const before = server.certificateFingerprint;
    const after = await server.rotateCertificate();
    const r = await svc.verify(v.host, ref);
    expect(r.status).toBe('unreachable');
    expect(r.message).toContain(`changed (expected ${before}, got ${after})`);
  }, 30_000);

  it('unreachable when nothing listens: not out of sync', async () => {
    await server.halt();
    const r = await svc.verify(v.host, ref);
    expect(r.status).toBe('unreachable');
    expect(r.message).toMatch(/unreachable: ECONNREFUSED/);
  }, 30_000);

  it('audits every verdict; the password is in no audit row', async () => {
    const rows = await v.core.audit.query(v.host, { type: 'password.verify', limit: 100 });
    expect(rows.map((r) => (JSON.parse(r.details) as { status: string }).status)).toEqual(
      expect.arrayContaining(['in-sync', 'out-of-sync', 'unreachable']),
    );
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 1000 }));
    expect(audit).not.toContain(server.user.password);
  });
});
