// The RDP engine against a REAL FreeRDP shadow server on loopback: TLS, the certificate handed to
// the check before the login, bitmaps (compressed, copied), typed keys reaching the xterm, a click.
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../core/index.ts';
import { openRdpSession, type RdpSession } from '../../../gateway/connectors/rdp/engine.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import {
  CLICK_PAD,
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  type RdpTestServer,
} from '../../support/rdp-servers.ts';
import { typeText } from '../../support/rdp-keys.ts';

const skip = rdpServerSkipReason('shadow');

describe.skipIf(skip)(`RDP engine against freerdp-shadow ${skip ?? ''}`, () => {
  let server: RdpTestServer;
  beforeAll(async () => {
    server = await startShadowServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('connects over TLS, checks the certificate first, receives bitmaps, types into the xterm and clicks', async () => {
    const seen: string[] = [];
    const session: RdpSession = await openRdpSession({
      host: server.host,
      port: server.port,
      size: { width: 1024, height: 768 },
      user: server.user.name,
      password: Secret.fromString(server.user.password),
      certificateCheck: async (cert) => {
        seen.push(cert.fingerprint);
      },
      timeoutMs: 15_000,
    });
    try {
      expect(session.protocol).toBe('ssl');
      expect(seen).toEqual([server.certificateFingerprint]);
      const rects: BitmapRect[] = [];
      session.on('bitmap', (r) => rects.push(...r));
      await eventually(() => rects.length > 0, 'a first bitmap');
      const r = rects[0]!;
      expect(r.width).toBeGreaterThan(0);
      expect(r.data).toBeInstanceOf(Uint8Array);
      expect(rects.some((x) => x.compressed)).toBe(true);

      const file = `/tmp/${server.user.name}-typed`;
      rmSync(file, { force: true });
      for (const ev of typeText(`touch ${file}\n`)) session.input(ev);
      await eventually(() => existsSync(file), `${file} created by the typed command`);
      rmSync(file, { force: true });

      // A left click on the click pad (an xev window) is seen there, at the pad's coordinates.
      const at = { x: CLICK_PAD.x + 30, y: CLICK_PAD.y + 40 };
      session.input({ kind: 'move', ...at });
      session.input({ kind: 'button', button: 1, down: true, ...at });
      session.input({ kind: 'button', button: 1, down: false, ...at });
      await eventually(() => server.clicks().length >= 2, 'the click seen by the click pad');
      // The pad's window border (the window manager's frame) shifts its origin by a pixel or two.
      const [press, release] = server.clicks().slice(-2);
      expect(press).toMatch(/^ButtonPress button 1 at (2[6-9]|3[0-4]),(3[6-9]|4[0-4])$/);
      expect(release).toMatch(/^ButtonRelease button 1 at /);
    } finally {
      session.close();
    }
    expect((await session.done).reason).toBe('closed');
  }, 60_000);
});
