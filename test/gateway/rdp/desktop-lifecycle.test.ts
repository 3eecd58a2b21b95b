// What ends a desktop session, shown through the viewer's own WebSocket (the page's socket at
// /rdp/RESOURCE/ACCOUNT/socket, driven here with the `ws` client and the viewer protocol instead
// of a browser) against the stand-in desktop of ../../support/stand-in-desktop.ts, with the
// gateway's session clocks on a manual clock: idle, maximum duration, the check-out expiring or
// being checked in, and access control refusing an account that is not checked out. Each end
// gives the operator the one line an SSH session gets for it (the terminal shows it as
// `[custody] session terminated: LINE`, the viewer as `Session ended: LINE`; the SSH side is pinned
// by test/e2e/shadow-terminate.test.ts, checkout-expiry.test.ts and access-control.test.ts), writes
// `session.end` with the same `how` and reason, and releases the keys and buttons still held.
// Unlike a shell's output, a desktop's screen updates do not count as activity for the idle clock
// (a desktop redraws with nobody at it): only the operator's input does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualTimers, silentLogger, systemTimers, type Actor } from '../../../core/index.ts';
import { rdpWebModule, type GatewaySettings, type RunningWebListener } from '../../../gateway/index.ts';
import { makeSelfSigned } from '../../../gateway/web/certificate.ts';
import {
  decodeServerMessage,
  encodeHello,
  encodeInput,
  encodeResizeRequest,
  type ServerMessage,
} from '../../../protocols/rdp/viewer-protocol.ts';
import type { DesktopInput } from '../../../protocols/rdp/types.ts';
import { TEST_GATEWAY_SETTINGS } from '../../support/gateway-fixture.ts';
import { rawFramebuffer, standInDialer, type StandInDesktop } from '../../support/stand-in-desktop.ts';
import { USER_PASSWORD, createTestVault, pw, type TestVault } from '../../support/vault.ts';
import { cookiesOf, webRequest } from '../../support/web.ts';
import { startTestWebListener } from '../../support/test-web-listener.ts';

const REF = 'win01/Administrator';
const IDLE_MS = 15 * 60_000;
const MAX_MS = 8 * 3_600_000;

const SHIFT_DOWN: DesktopInput = { kind: 'key', scancode: 0x2a, extended: false, down: true };
const LEFT_DOWN: DesktopInput = { kind: 'button', button: 1, down: true, x: 40, y: 30 };
/** What the gateway must send the server when the session ends with both of the above held. */
const RELEASES: DesktopInput[] = [
  { kind: 'key', scancode: 0x2a, extended: false, down: false },
  { kind: 'button', button: 1, down: false, x: 40, y: 30 },
];

const pair = makeSelfSigned(['localhost']);

/** One web listener with the RDP viewer, its session clocks on `timers`, the stand-in as server. */
interface Viewer {
  web: RunningWebListener;
  timers: ManualTimers;
  server: ReturnType<typeof standInDialer>;
}

/** An operator's viewer socket: the session is up once the gateway sent the desktop's size. */
interface OpenViewer {
  ws: WebSocket;
  /** Resolves once the desktop is running (the gateway's RESIZE, sent after the clocks are armed). */
  live: Promise<void>;
  /** Resolves when the socket closes, with the END frame's reason (undefined if none came). */
  ended: Promise<string | undefined>;
  send(ev: DesktopInput): void;
  /** Screen-update frames received so far. */
  readonly updates: number;
}

describe('desktop sessions end as terminal sessions do (stand-in desktop, manual clock)', () => {
  let v: TestVault;
  let alice: Actor;
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, { name: 'win01', type: 'windows-rdp', dnsName: '127.0.0.1' });
    await v.core.accounts.add(v.host, 'win01', 'Administrator', pw('Rdp-Lifecycle-Canary-41'));
    alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: REF },
      { kind: 'user', name: 'alice' },
      'view',
    );
  }, 60_000);
  // A session a failed test left running is hung up, so the next test starts with none live.
  afterEach(async () => {
    for (const x of viewers) for (const d of x.server.desktops) if (!d.closed) d.hangUp('test over');
    await expect.poll(() => v.core.live.list(v.host)).toEqual([]);
  });
  afterAll(async () => {
    for (const x of viewers) await x.web.close();
    await v?.close();
  });

  const startViewer = async (
    settings: Partial<GatewaySettings>,
    desktop: Parameters<typeof standInDialer>[0] = { size: { width: 640, height: 480 } },
  ): Promise<Viewer> => {
    const timers = new ManualTimers(new Date());
    const server = standInDialer(desktop);
    const { web } = await startTestWebListener({
      core: v.core,
      certificate: pair,
      logger: silentLogger,
      // The browser session's own expiry stays on real time: only the desktop session's clocks move.
      clock: systemTimers,
      modules: [
        rdpWebModule({
          core: v.core,
          settings: { ...TEST_GATEWAY_SETTINGS, ...settings },
          logger: silentLogger,
          timers,
          dial: server.dial,
          framebuffer: rawFramebuffer,
        }),
      ],
    });
    const x = { web, timers, server };
    viewers.push(x);
    return x;
  };

  /** Alice's browser: signed in with her password, then the viewer's socket, as the page opens it. */
  const openViewer = async ({ web }: Viewer): Promise<OpenViewer> => {
    // Each listener keeps its own browser sessions: sign in on this one.
    const r = await webRequest(web.port, pair.certPem, '/signin', {
      method: 'POST',
      body: { username: 'alice', password: USER_PASSWORD },
    });
    const ws = new WebSocket(`wss://127.0.0.1:${web.port}/rdp/${REF}/socket`, {
      ca: pair.certPem,
      headers: { cookie: cookiesOf(r), origin: `https://127.0.0.1:${web.port}` },
    });
    let endReason: string | undefined;
    let updates = 0;
    let resolveLive: () => void = () => undefined;
    const live = new Promise<void>((resolve) => (resolveLive = resolve));
    ws.on('message', (data: Buffer) => {
      const m = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (m.type === 'resize') resolveLive();
      if (m.type === 'rects') updates++;
      if (m.type === 'end') endReason = m.reason;
    });
    const ended = new Promise<string | undefined>((resolve) => ws.on('close', () => resolve(endReason)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(encodeHello({ width: 640, height: 480 }));
    return {
      ws,
      live,
      ended,
      send: (ev) => ws.send(encodeInput(ev)),
      get updates() {
        return updates;
      },
    };
  };

  /** Holds Shift and the left button down, and waits until the stand-in has both. */
  const holdKeyAndButton = async (op: OpenViewer, desktop: StandInDesktop) => {
    const before = desktop.inputs.length;
    op.send(SHIFT_DOWN);
    op.send(LEFT_DOWN);
    await expect.poll(() => desktop.inputs.slice(before)).toEqual([SHIFT_DOWN, LEFT_DOWN]);
  };

  /** The `session.end` row of the session on `desktop` (by its grant), once teardown wrote it. */
  const endRow = async (desktop: StandInDesktop) => {
    let row: Record<string, unknown> | undefined;
    await expect
      .poll(async () => {
        const rows = await v.core.audit.query(v.host, { type: 'session.end', limit: 100 });
        row = rows
          .map((r) => ({ ...r, details: JSON.parse(String(r.details)) as Record<string, unknown> }))
          .find((r) => JSON.stringify(r).includes(desktop.grant.id))?.details;
        return row !== undefined;
      })
      .toBe(true);
    return row!;
  };

  /** Opens a session on `x` and waits until it is running; returns the socket and the desktop. */
  const openSession = async (x: Viewer) => {
    const dialled = x.server.next();
    const op = await openViewer(x);
    const desktop = await dialled;
    await op.live;
    return { op, desktop };
  };

  /** The session is over as the operator, the server, the Live list and the audit see it. */
  const expectEnded = async (
    x: Viewer,
    op: OpenViewer,
    desktop: StandInDesktop,
    how: string,
    reason: string | RegExp,
    marker: RegExp,
  ) => {
    const said = await op.ended;
    if (typeof reason === 'string') expect(said).toBe(reason);
    else expect(said).toMatch(reason);
    expect(desktop.closed).toBe(true);
    // Teardown is over before anything is asserted, so a failure here leaves the next test a
    // quiet vault.
    const row = await endRow(desktop);
    // The held key and button were released before the connection to the server closed.
    expect(desktop.inputs.slice(-2)).toEqual(RELEASES);
    expect(row).toMatchObject({ mode: 'desktop', how, reason: said, exitCode: 1 });
    // The recording marks the moment, as a shell's does, where the player can jump to it.
    const reader = await v.core.recordings.openDesktopReader(v.host, String(row.recording));
    const labels = (await reader.timeline()).markers.map((m) => m.label);
    await reader.close();
    expect(labels).toEqual(expect.arrayContaining([expect.stringMatching(marker)]));
    expect(await v.core.live.list(v.host)).toEqual([]);
    // Nothing of the session is left armed on the clock (idle, maximum duration, expiry).
    expect(x.timers.pending).toBe(0);
  };

  it('idle for the idle time ends the stand-in desktop session with SSH’s line, audited, keys released', async () => {
    const x = await startViewer({ idleTimeoutMs: IDLE_MS });
    const { op, desktop } = await openSession(x);

    // A millisecond before the idle time the session still takes input (and that input restarts
    // the idle clock, as a keystroke does in a shell).
    x.timers.advance(IDLE_MS - 1);
    await holdKeyAndButton(op, desktop);
    expect(desktop.closed).toBe(false);

    // The server redrawing with nobody at it (a caret blinking, a clock ticking) is not activity:
    // the idle time still counts from the last input.
    x.timers.advance(IDLE_MS / 2);
    const seen = op.updates;
    desktop.paint(0, 0, 8, 16, [255, 255, 255]);
    await expect.poll(() => op.updates).toBe(seen + 1);
    expect(desktop.closed).toBe(false);

    x.timers.advance(IDLE_MS / 2);
    await expectEnded(x, op, desktop, 'idle', 'idle for 15 minutes', /^ended \(idle\): idle for 15 minutes$/);
    // A session that fails to end waits on `op.ended`: fail within this rather than the default.
  }, 20_000);

  it('the maximum duration ends the stand-in desktop session with SSH’s line, audited, keys released', async () => {
    const x = await startViewer({ maxDurationMs: MAX_MS });
    const { op, desktop } = await openSession(x);

    x.timers.advance(MAX_MS - 1);
    await holdKeyAndButton(op, desktop);
    expect(desktop.closed).toBe(false);

    // Input does not extend the maximum: it counts from the start.
    x.timers.advance(1);
    await expectEnded(
      x,
      op,
      desktop,
      'max-duration',
      'maximum session duration reached',
      /^ended \(max-duration\): maximum session duration reached$/,
    );
  });

  it('a window resize reconnects the desktop at the new size: same session, keys released first, rate-limited, bad sizes refused, recorded', async () => {
    // This stand-in gives the size asked for, as xrdp does.
    const x = await startViewer({}, {});
    const { op, desktop } = await openSession(x);
    const frames: ServerMessage[] = [];
    op.ws.on('message', (data: Buffer) =>
      frames.push(decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))),
    );
    const [live] = await v.core.live.list(v.host);
    await holdKeyAndButton(op, desktop);

    const second = x.server.next();
    op.ws.send(encodeResizeRequest({ width: 1026, height: 700 }));
    await expect.poll(() => x.timers.pending).toBeGreaterThan(0);
    x.timers.advance(0);
    const resized = await second;
    // Widths are multiples of 4, as compressed bitmaps need.
    expect(resized.size).toEqual({ width: 1024, height: 700 });
    expect(resized.grant.id).toBe(desktop.grant.id);
    // The old connection got the key-up and button-up before it was left, then closed.
    await expect.poll(() => desktop.closed).toBe(true);
    expect(desktop.inputs.slice(-2)).toEqual(RELEASES);
    await expect
      .poll(() => frames.some((f) => f.type === 'resize' && f.width === 1024 && f.height === 700))
      .toBe(true);
    // The same session, still live, still on the same id.
    expect((await v.core.live.list(v.host)).map((l) => l.id)).toEqual([live!.id]);
    const typed: DesktopInput = { kind: 'key', scancode: 0x1e, extended: false, down: true };
    op.send(typed);
    await expect.poll(() => resized.inputs).toContainEqual(typed);

    // Two more within two seconds of that reconnect: one reconnect, at the newest size, once the
    // interval is over.
    op.ws.send(encodeResizeRequest({ width: 1100, height: 700 }));
    op.ws.send(encodeResizeRequest({ width: 1200, height: 800 }));
    await expect.poll(() => x.timers.pending).toBeGreaterThan(0);
    x.timers.advance(1000);
    expect(x.server.desktops).toHaveLength(2);
    const third = x.server.next();
    x.timers.advance(1000);
    expect((await third).size).toEqual({ width: 1200, height: 800 });
    expect(x.server.desktops).toHaveLength(3);

    // A size no RDP client may ask for is refused with its reason and dials nothing.
    op.ws.send(encodeResizeRequest({ width: 100, height: 9000 }));
    await expect
      .poll(() => frames.some((f) => f.type === 'notice' && f.text.includes('outside 200..8192')))
      .toBe(true);
    x.timers.advance(5000);
    expect(x.server.desktops).toHaveLength(3);

    x.server.desktops[2]!.hangUp('the server ended the session');
    await op.ended;
    const row = await endRow(desktop);
    const reader = await v.core.recordings.openDesktopReader(v.host, String(row.recording));
    const labels = (await reader.timeline()).markers.map((m) => m.label);
    const end = await reader.frameAt(reader.duration);
    await reader.close();
    expect(labels).toEqual(
      expect.arrayContaining(['desktop resized to 1024x700', 'desktop resized to 1200x800']),
    );
    expect([end.width, end.height]).toEqual([1200, 800]);
  });

  it('a server with Display Control is resized on the same connection: nothing dialled, keys still held, recorded', async () => {
    const x = await startViewer({}, { displayControl: 'acts' });
    const { op, desktop } = await openSession(x);
    const frames: ServerMessage[] = [];
    op.ws.on('message', (data: Buffer) =>
      frames.push(decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))),
    );
    await holdKeyAndButton(op, desktop);

    op.ws.send(encodeResizeRequest({ width: 1026, height: 700 }));
    await expect.poll(() => x.timers.pending).toBeGreaterThan(0);
    x.timers.advance(0);
    await expect.poll(() => desktop.layouts).toEqual([{ width: 1024, height: 700 }]);
    await expect
      .poll(() => frames.some((f) => f.type === 'resize' && f.width === 1024 && f.height === 700))
      .toBe(true);
    // The same connection: nothing dialled, nothing closed, the held key and button not released.
    expect([x.server.desktops.length, desktop.closed]).toEqual([1, false]);
    expect(desktop.inputs.slice(-2)).toEqual([SHIFT_DOWN, LEFT_DOWN]);
    const typed: DesktopInput = { kind: 'key', scancode: 0x1e, extended: false, down: true };
    op.send(typed);
    await expect.poll(() => desktop.inputs).toContainEqual(typed);
    // Nothing is left waiting for the server: its answer came.
    expect(x.timers.pending).toBe(0);

    desktop.hangUp('the server ended the session');
    await op.ended;
    const row = await endRow(desktop);
    const reader = await v.core.recordings.openDesktopReader(v.host, String(row.recording));
    const labels = (await reader.timeline()).markers.map((m) => m.label);
    const end = await reader.frameAt(reader.duration);
    await reader.close();
    expect(labels).toContain('desktop resized to 1024x700');
    expect([end.width, end.height]).toEqual([1024, 700]);
  });

  it('a server that takes the layout but does not act within 5 s is reconnected, keys released first', async () => {
    const x = await startViewer({}, { displayControl: 'ignores' });
    const { op, desktop } = await openSession(x);
    await holdKeyAndButton(op, desktop);
    op.ws.send(encodeResizeRequest({ width: 1026, height: 700 }));
    await expect.poll(() => x.timers.pending).toBeGreaterThan(0);
    x.timers.advance(0);
    await expect.poll(() => desktop.layouts).toEqual([{ width: 1024, height: 700 }]);
    x.timers.advance(4999);
    expect(x.server.desktops).toHaveLength(1);
    const second = x.server.next();
    x.timers.advance(1);
    expect((await second).size).toEqual({ width: 1024, height: 700 });
    await expect.poll(() => desktop.closed).toBe(true);
    expect(desktop.inputs.slice(-2)).toEqual(RELEASES);
    x.server.desktops[1]!.hangUp('the server ended the session');
    await op.ended;
  });

  it('a server that gave another size than asked keeps its own: a resize dials nothing and says so', async () => {
    // As FreeRDP's shadow server does: its X display's size, whatever the client asks for.
    const x = await startViewer({}, { size: { width: 800, height: 600 } });
    const { op, desktop } = await openSession(x);
    const notices: string[] = [];
    op.ws.on('message', (data: Buffer) => {
      const m = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (m.type === 'notice') notices.push(m.text);
    });
    op.ws.send(encodeResizeRequest({ width: 1024, height: 700 }));
    await expect.poll(() => notices).toEqual(['the RDP server keeps its own desktop size (800x600)']);
    x.timers.advance(5000);
    expect(x.server.desktops).toHaveLength(1);
    desktop.hangUp('the server ended the session');
    await op.ended;
    await endRow(desktop);
  });

  describe('under access control (an approver, one hour of exclusive use)', () => {
    beforeAll(async () => {
      await v.core.access.configure(v.host, 'win01', { approvers: ['admin'], exclusiveHours: 1 });
    });

    // The core's own clock never reaches a check-out's expiry here (only the session clocks
    // move): each test's check-out is ended for the next one.
    afterEach(async () => {
      await v.core.access.checkin(v.host, REF, { force: true }).catch(() => undefined);
    });

    const checkout = async (reason: string) => {
      const req = await v.core.access.request(alice, REF, reason);
      await v.core.access.approve(v.host, req.id);
      return v.core.access.checkout(alice, REF);
    };

    it('without a check-out the stand-in desktop is never dialled: SSH’s refusal, no session', async () => {
      const x = await startViewer({});
      // Rows of a session that was granted or started (the earlier tests left some).
      const granted = async () =>
        (await v.core.audit.query(v.host, { type: 'session.', limit: 500 })).filter((r) =>
          ['session.authorize', 'session.start', 'session.end'].includes(r.type),
        ).length;
      const before = await granted();
      const op = await openViewer(x);
      // SSH prints the same line after `custody: ` (test/e2e/access-control.test.ts).
      expect(await op.ended).toBe(`password '${REF}' is under access control: request it first`);
      expect(x.server.desktops).toEqual([]);
      expect(await v.core.live.list(v.host)).toEqual([]);
      // Refused before a grant: no `session.authorize`, `session.start` or `session.end`.
      expect(await granted()).toBe(before);
    });

    it('with a check-out it opens; the check-out expiring ends it at that instant, audited, keys released', async () => {
      const x = await startViewer({});
      const view = await checkout('INC-71');
      expect(view.expiresAt).not.toBeNull();
      const { op, desktop } = await openSession(x);
      // The session runs under that check-out (what a check-in finds it by).
      expect(desktop.grant.requestId).toBe(view.id);
      const due = Date.parse(view.expiresAt!) - x.timers.now().getTime();

      x.timers.advance(due - 1);
      await holdKeyAndButton(op, desktop);
      expect(desktop.closed).toBe(false);

      x.timers.advance(1);
      const line = `checked in: the exclusive use of ${REF} has expired`;
      await expectEnded(x, op, desktop, 'expired', line, new RegExp(`^check-out ended: ${line}$`));
    });

    it('a forced check-in ends the stand-in desktop session with SSH’s line, audited, keys released', async () => {
      const x = await startViewer({});
      await checkout('INC-72');
      const { op, desktop } = await openSession(x);
      await holdKeyAndButton(op, desktop);

      await v.core.access.checkin(v.host, REF, { force: true });
      await expectEnded(
        x,
        op,
        desktop,
        'terminated',
        /^checked in: win01\/Administrator was checked in by host:/,
        /^terminated by host:\S+: checked in: win01\/Administrator was checked in by host:/,
      );
      const events = (await v.core.audit.query(v.host, { type: 'access.', limit: 50 })).map((e) => e.type);
      expect(events).toEqual(expect.arrayContaining(['access.force-checkin', 'access.session-ended']));
    });
  });
});
