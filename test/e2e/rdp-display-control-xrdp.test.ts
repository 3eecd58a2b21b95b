// Display Control against a REAL xrdp 0.9.21: the engine asks for `drdynvc`, xrdp sends its
// capabilities request (version 2), creates `Microsoft::Windows::RDS::DisplayControl` and sends
// that channel's capabilities; a monitor layout then makes xrdp deactivate the share and
// reactivate it at the new size on the SAME connection (one login in xrdp's log), and xorgxrdp's
// X screen becomes that size. The clipboard keeps working across the reactivation. The time from
// the request to the new size is measured against a reconnect at the new size, same server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../core/index.ts';
import { openRdpSession, type RdpSession } from '../../gateway/connectors/rdp/engine.ts';
import { ClipboardClient } from '../../protocols/rdp/cliprdr-client.ts';
import type { BitmapRect, DesktopSize } from '../../protocols/rdp/types.ts';
import { createTopology, netnsSkipReason, type Topology } from '../support/netns.ts';
import { eventually, rdpServerSkipReason, startXrdp, type RdpTestServer } from '../support/rdp-servers.ts';

const skip = netnsSkipReason() ?? rdpServerSkipReason('xrdp');

describe.skipIf(skip)(`RDP Display Control against xrdp ${skip ?? ''}`, () => {
  let topo: Topology;
  let server: RdpTestServer;
  beforeAll(async () => {
    topo = await createTopology({ nodes: ['dc'], links: [['root', 'dc']] });
    server = await startXrdp({ netns: topo.ns('dc'), address: topo.addr('dc', 'root'), port: 3389 });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    topo?.destroy();
  });

  const open = (size: DesktopSize, channels: string[]) =>
    openRdpSession({
      host: server.host,
      port: server.port,
      size,
      user: server.user.name,
      password: Secret.fromString(server.user.password),
      certificateCheck: async () => undefined,
      channels,
      timeoutMs: 20_000,
    });
  const logins = () => server.log().match(/xrdp_wm_log_msg: login successful/g)?.length ?? 0;
  // xrdp's module joined to the session's X server: one per connection. Before it, xrdp drops a
  // Display Control layout (the gateway would fall back to a reconnect after 5 s).
  const moduleConnects = () => server.log().match(/lib_mod_log_peer: .* connected to X11rdp/g)?.length ?? 0;
  const xScreen = () => /dimensions:\s+(\d+x\d+) pixels/.exec(server.onDisplay('xdpyinfo', []))?.[1];
  // xrdp logs the login (and its display) before that display's X server takes clients.
  const xScreenOnceUp = () => {
    try {
      return xScreen();
    } catch {
      return undefined;
    }
  };

  // One retry: under load, xrdp 0.9.21 now and then loses its own session at start ("Can't attach
  // to shared memory", then lib_mod_process_message failed, seen in one CI run of three), before
  // any resize is asked. A retry may be given the session the first try left (xrdp then logs no new
  // login), so what is pinned is that the resize itself makes no login.
  it(
    'resizes the desktop on the same connection, and the clipboard still works after',
    { retry: 1, timeout: 150_000 },
    async () => {
      const connectsBefore = moduleConnects();
      const session = await open({ width: 1024, height: 768 }, ['cliprdr', 'drdynvc']);
      let ended = false;
      void session.done.then(() => (ended = true));
      // pictures after the first reactivation (the engine hands events over in the server's order)
      const rects: BitmapRect[] = [];
      const resized: DesktopSize[] = [];
      session.on('bitmap', (r) => resized.length === 1 && rects.push(...r));
      let pictures = 0;
      session.on('bitmap', () => pictures++);
      session.on('resized', (s) => resized.push(s));
      const got: string[] = [];
      const clipboard = new ClipboardClient({
        fetchFromTarget: true,
        maxTextBytes: 1024 * 1024,
        events: {
          send: (m) => void session.sendChannel('cliprdr', m),
          fromTarget: (text) => got.push(text),
          delivered: () => undefined,
          refused: () => undefined,
        },
      });
      const seen: string[] = [];
      session.onChannel((name, m) => {
        seen.push(name);
        if (m) clipboard.receive(m);
      });
      try {
        expect(session.channels).toEqual(['cliprdr', 'drdynvc']);
        expect(session.size).toEqual({ width: 1024, height: 768 });
        await eventually(() => session.displayControl, "xrdp's Display Control capabilities", 20_000);
        await eventually(
          () => server.display() !== undefined && xScreenOnceUp() === '1024x768',
          'the X screen',
          30_000,
        );
        await eventually(
          () => moduleConnects() > connectsBefore,
          "xrdp's module connected to the session's X server",
          20_000,
        );
        // xrdp 0.9.21 races a layout that comes while the new session's first shared-memory
        // frames are set up ("Can't attach to shared memory", then it drops the connection): the
        // desktop is given its first pictures and a second to settle, as an operator's would be.
        await eventually(() => pictures > 0, 'a first picture of the desktop', 20_000);
        await new Promise((r) => setTimeout(r, 1000));
        const loginsBefore = logins();
        expect(loginsBefore).toBeGreaterThanOrEqual(1);
        // a size outside the rules is not sent (odd width): the caller would reconnect
        expect(session.requestSize({ width: 1281, height: 720 })).toBe(false);

        const t0 = performance.now();
        expect(session.requestSize({ width: 1280, height: 720 })).toBe(true);
        await eventually(
          () => resized.length > 0,
          () => `the server's reactivation: ${server.log().split('\n').slice(-60).join('\n')}`,
          10_000,
        );
        const displayControlMs = performance.now() - t0;
        expect(resized).toEqual([{ width: 1280, height: 720 }]);
        expect(session.size).toEqual({ width: 1280, height: 720 });
        expect(xScreen()).toBe('1280x720');
        // the same connection, no second login, and the desktop is drawn at the new size
        await eventually(
          () => rects.some((r) => r.right >= 1024),
          'a picture right of the old width',
          10_000,
        );
        expect(rects.every((r) => r.right < 1280 && r.bottom < 720)).toBe(true);
        expect(ended).toBe(false);
        expect(logins()).toBe(loginsBefore);
        // drdynvc is the engine's own: none of its messages reached the channel listener
        expect(seen.every((n) => n === 'cliprdr')).toBe(true);

        // The clipboard after the reactivation: text an X client copies on the target comes out.
        const TEXT = 'after-the-resize 9';
        const b64 = Buffer.from(TEXT).toString('base64');
        server.onDisplay('sh', [
          '-c',
          `xterm -xrm 'XTerm*allowWindowOps: true' -xrm 'XTerm*disallowedWindowOps: ' -e sh -c "printf '\\033]52;c;${b64}\\007'; sleep 20" >/dev/null 2>&1 &`,
        ]);
        await eventually(
          () => got.includes(TEXT),
          () => `the target's text (got ${JSON.stringify(got)})`,
          20_000,
        );

        // And back down, a second time on the same connection.
        expect(session.requestSize({ width: 800, height: 600 })).toBe(true);
        await eventually(() => resized.length > 1, 'the second reactivation', 10_000);
        expect(resized[1]).toEqual({ width: 800, height: 600 });
        expect(xScreen()).toBe('800x600');
        expect(logins()).toBe(loginsBefore);

        // The reconnect the gateway falls back to, at a new size against the same server: a new
        // login (xrdp hands it the same X session), timed to its first picture.
        const t1 = performance.now();
        const again = await open({ width: 1024, height: 768 }, ['cliprdr']);
        let first = false;
        again.on('bitmap', () => (first = true));
        await eventually(() => first, "the reconnect's first picture", 20_000);
        const reconnectMs = performance.now() - t1;
        again.close();
        expect(logins() - loginsBefore, server.log()).toBe(1);
        console.log(
          `Display Control 1024x768 -> 1280x720: ${displayControlMs.toFixed(0)} ms to the new size; ` +
            `reconnect at 1024x768: ${reconnectMs.toFixed(0)} ms to its first picture`,
        );
      } finally {
        session.close();
      }
    },
  );

  it('without drdynvc there is no Display Control: requestSize sends nothing', async () => {
    let session: RdpSession | undefined;
    try {
      session = await open({ width: 1024, height: 768 }, ['cliprdr']);
      expect(session.displayControl).toBe(false);
      expect(session.requestSize({ width: 1280, height: 720 })).toBe(false);
    } finally {
      session?.close();
    }
  }, 60_000);
});
