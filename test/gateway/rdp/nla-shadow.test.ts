// NLA sessions through the engine against a REAL FreeRDP shadow server with `/sec:nla
// /sam-file:F` on loopback: the engine asks for SSL|HYBRID|HYBRID_EX, checks the certificate,
// runs the built-in CredSSP client in the library's hook and reaches the first bitmap; a wrong
// password ends in ONE TargetError (reason logon-failure, a one-line message) before any desktop
// exists, so no bitmap ever arrives. Canary: the password is in no error message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, TargetError } from '../../../core/index.ts';
import { openRdpSession } from '../../../gateway/connectors/rdp/engine.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import {
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  type RdpTestServer,
} from '../../support/rdp-servers.ts';

const skip = rdpServerSkipReason('shadow');

describe.skipIf(skip)(`NLA sessions against freerdp-shadow /sec:nla ${skip ?? ''}`, () => {
  let server: RdpTestServer;
  beforeAll(async () => {
    server = await startShadowServer({ security: 'nla' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const open = (password: string, seen: string[] = []) =>
    openRdpSession({
      host: server.host,
      port: server.port,
      size: { width: 1024, height: 768 },
      user: server.user.name,
      password: Secret.fromString(password),
      certificateCheck: async (cert) => {
        seen.push(cert.fingerprint);
      },
      timeoutMs: 15_000,
    });

  it('logs in with NLA (HYBRID) after the certificate check and reaches the first bitmap', async () => {
    const seen: string[] = [];
    const session = await open(server.user.password, seen);
    try {
      expect(session.protocol).toMatch(/^hybrid/);
      expect(seen).toEqual([server.certificateFingerprint]);
      const rects: BitmapRect[] = [];
      session.on('bitmap', (r) => rects.push(...r));
      await eventually(() => rects.length > 0, 'a first bitmap');
      expect(rects[0]!.width).toBeGreaterThan(0);
    } finally {
      session.close();
    }
    expect((await session.done).reason).toBe('closed');
  }, 60_000);

  it('a wrong password is a logon failure, one line, and no session', async () => {
    const wrong = `${server.user.password}-old`;
    const e = await open(wrong).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TargetError);
    const err = e as TargetError;
    expect(err.details.reason).toBe('logon-failure');
    expect(err.message).toBe(
      `RDP server ${server.host}:${server.port} refused the NLA login: logon failure (wrong user name or password)`,
    );
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(server.user.password);
  }, 60_000);
});
