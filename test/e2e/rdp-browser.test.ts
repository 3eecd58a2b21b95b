// The RDP viewer end to end: a real Chromium, the web listener with the RDP module as the server
// runs it, and REAL RDP servers (FreeRDP's shadow server and xrdp) in a network namespace that
// only a landing sshd reaches. For each server: the one-time link opens the desktop on the
// canvas, keys typed in the browser run a command in the target's xterm, a click lands on the
// target's click pad, an administrator joining late on the Live page sees the current screen
// within a second and cannot type into the session, terminate (Live page; API) ends it with the
// reason on the operator's page, and the recording's PNG still shows what the browser showed.
// Then the failures, each one line on the operator's page and an audit row; and the canary: no
// password in any page, script, WebSocket frame, URL, recording, log line or audit row.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemTimers, type Actor, type Logger } from '../../core/index.ts';
import { createRestApi, rdpWebModule, type RunningWebListener } from '../../gateway/index.ts';
import { httpsTransport } from '../support/api-client.ts';
import { launchChromium } from '../support/chromium.ts';
import { TEST_GATEWAY_SETTINGS } from '../support/gateway-fixture.ts';
import { createTopology, netnsSkipReason, probeTcp, testRun, type Topology } from '../support/netns.ts';
import { canvasImage, captureTraffic, viewerState, type CapturedFrames } from '../support/rdp-browser.ts';
import {
  CLICK_PAD,
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  startXrdp,
  type RdpTestServer,
} from '../support/rdp-servers.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { rootImage } from '../support/xwd.ts';
import { typeText } from '../support/rdp-keys.ts';
import { encodeInput } from '../../protocols/rdp/viewer-protocol.ts';
import { startTestWebListener } from '../support/test-web-listener.ts';

const skip =
  netnsSkipReason() ??
  sshdSkipReason() ??
  rdpServerSkipReason('shadow') ??
  rdpServerSkipReason('xrdp') ??
  (existsSync('/usr/bin/chromium') ? null : 'skipped: chromium not installed');
const JUMP_PW = 'Lj5%Qw8^Rt2*Hn6(Vb3x';

interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * The image averaged over a GRID x GRID of cells, whatever its size: a screenshot of a canvas the
 * page scaled with CSS and the desktop at its own size then compare cell for cell.
 */
const GRID = 48;
function cells(img: Image): number[] {
  const out: number[] = [];
  for (let cy = 0; cy < GRID; cy++)
    for (let cx = 0; cx < GRID; cx++) {
      const x0 = Math.floor((cx * img.width) / GRID);
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * img.width) / GRID));
      const y0 = Math.floor((cy * img.height) / GRID);
      const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * img.height) / GRID));
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const i = (y * img.width + x) * 4;
          for (let c = 0; c < 3; c++) sum[c]! += img.rgba[i + c]!;
        }
      const n = (x1 - x0) * (y1 - y0);
      out.push(...sum.map((s) => s / n));
    }
  return out;
}

/** Mean and largest difference (0–255) between two images' cells. */
function difference(a: Image, b: Image): { mean: number; max: number } {
  const ca = cells(a);
  const cb = cells(b);
  let total = 0;
  let max = 0;
  for (let i = 0; i < ca.length; i++) {
    const d = Math.abs(ca[i]! - cb[i]!);
    total += d;
    max = Math.max(max, d);
  }
  return { mean: total / ca.length, max };
}

/** Pixels that differ between two images of the same size, as a fraction. */
function changedFraction(a: Image, b: Image): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let changed = 0;
  for (let i = 0; i < a.rgba.length; i += 4)
    if (a.rgba[i] !== b.rgba[i] || a.rgba[i + 1] !== b.rgba[i + 1] || a.rgba[i + 2] !== b.rgba[i + 2])
      changed++;
  return changed / (a.width * a.height);
}

/**
 * A desktop, not a blank: how many colours cover at least 1% of the screen each (a blank has one;
 * the test desktops are the root window, twm's frames, the xterm and the click pad), and the
 * share of the commonest.
 */
function looksLikeADesktop(img: Image): { colours: number; commonest: number } {
  const counts = new Map<number, number>();
  for (let i = 0; i < img.rgba.length; i += 4) {
    const k = (img.rgba[i]! << 16) | (img.rgba[i + 1]! << 8) | img.rgba[i + 2]!;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const all = img.width * img.height;
  return {
    colours: [...counts.values()].filter((n) => n >= all / 100).length,
    commonest: Math.max(...counts.values()) / all,
  };
}

function decodePng(bytes: Buffer): Image {
  const p = PNG.sync.read(bytes);
  return { width: p.width, height: p.height, rgba: new Uint8Array(p.data) };
}

describe.skipIf(!!skip)(`RDP in the browser through a landing server${skip ? ` (${skip})` : ''}`, () => {
  let topo: Topology;
  let v: TestVault;
  let alice: Actor;
  let jump: TestUser;
  let landing: SshdInstance;
  let web: RunningWebListener;
  let webCa: string;
  let browser: Browser;
  let adminKey: string;
  const servers: Record<string, RdpTestServer> = {};
  const accounts = new Map<string, string>();
  const logLines: string[] = [];
  const contexts: BrowserContext[] = [];
  /** Every page, script and frame the browsers saw, for the canary. */
  const traffic: CapturedFrames[] = [];
  const bodies: string[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    jump = createTestUser('rdpwjump', { password: JUMP_PW });
    topo = await createTopology({
      nodes: ['dmz', 'dc'],
      links: [
        ['root', 'dmz'],
        ['dmz', 'dc'],
      ],
    });
    const dc = topo.addr('dc', 'dmz');
    [landing, servers.shadow, servers.legacy, servers.xrdp, browser] = await Promise.all([
      startSshd({ netns: topo.ns('dmz'), address: topo.addr('dmz', 'root'), allowUsers: [jump.name] }),
      startShadowServer({ netns: topo.ns('dc'), address: dc, port: 3389 }),
      startShadowServer({ netns: topo.ns('dc'), address: dc, port: 3390, security: 'rdp' }),
      startXrdp({ netns: topo.ns('dc'), address: dc, port: 3391 }),
      launchChromium(),
    ]);
    const logger: Logger = {
      log: (level, message, fields) => logLines.push(JSON.stringify({ level, message, fields })),
    } as Logger;
    v = await createTestVault({ logger });
    const h = v.host;
    alice = await v.addUser('alice', 'password-user');
    const res = async (
      name: string,
      type: string,
      host: string,
      port: number,
      account: string,
      secret: string,
    ) => {
      await v.core.resources.create(h, { name, type, dnsName: host, port });
      await v.core.accounts.add(h, name, account, pw(secret));
      accounts.set(name, account);
      if (type === 'windows-rdp')
        await v.core.sharing.grant(
          h,
          { kind: 'account', name: `${name}/${account}` },
          { kind: 'user', name: 'alice' },
          'view',
        );
    };
    const s = servers.shadow!;
    const x = servers.xrdp!;
    await res('jump1', 'linux', landing.host, landing.port, jump.name, JUMP_PW);
    await res('jumpx', 'linux', topo.unreachableAddress, 22, jump.name, JUMP_PW);
    await res('shadow01', 'windows-rdp', dc, 3389, s.user.name, s.user.password);
    await res('xrdp01', 'windows-rdp', dc, 3391, x.user.name, x.user.password);
    await res('legacy01', 'windows-rdp', dc, 3390, s.user.name, s.user.password);
    await res('down01', 'windows-rdp', dc, 3399, s.user.name, s.user.password);
    await res('cut01', 'windows-rdp', dc, 3389, s.user.name, s.user.password);
    await v.core.landing.add(h, { name: 'dmz', primary: `jump1/${jump.name}` });
    await v.core.landing.add(h, { name: 'gone', primary: `jumpx/${jump.name}` });
    for (const r of ['shadow01', 'xrdp01', 'legacy01', 'down01']) await v.core.landing.associate(h, 'dmz', r);
    await v.core.landing.associate(h, 'gone', 'cut01');
    adminKey = (await v.core.apiKeys.create(h, { name: 'ops-app', user: 'admin' })).key.reveal();

    const api = createRestApi({ core: v.core, config: v.core.as(h).config, version: 'test' });
    ({ web, certPem: webCa } = await startTestWebListener({
      core: v.core,
      logger,
      clock: systemTimers,
      modules: [
        api.module,
        rdpWebModule({ core: v.core, settings: TEST_GATEWAY_SETTINGS, logger, timers: systemTimers }),
      ],
      authenticateApiKey: api.authenticateApiKey,
    }));
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await web?.close();
    await v?.close();
    for (const s of Object.values(servers)) await s.stop().catch(() => undefined);
    await landing?.stop();
    topo?.destroy();
    jump?.remove();
    testRun().cleanup();
  });

  /** A fresh browser (its own cookies) opening a one-time link to `target`, as `custody web link` makes. */
  const open = async (who: Actor, target: string, navigating?: () => void): Promise<Page> => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1200, height: 900 },
    });
    contexts.push(context);
    const page = await context.newPage();
    pages.push(page);
    traffic.push(await captureTraffic(page));
    page.on('response', (r) => {
      void r.text().then(
        (t) => bodies.push(t),
        () => undefined,
      );
    });
    const link = await v.core.webLinks.create(who, target);
    navigating?.();
    await page.goto(`https://127.0.0.1:${web.port}/link/${link.token}`);
    return page;
  };
  const viewer = (resource: string) => `/rdp/${resource}/${accounts.get(resource)!}`;

  /** Where on the page desktop pixel (x, y) is, however the canvas is scaled. */
  const onCanvas = async (page: Page, x: number, y: number) => {
    const box = (await page.locator('#rdp-canvas').boundingBox())!;
    const [w, h] = (await page.evaluate(
      `[document.getElementById('rdp-canvas').width, document.getElementById('rdp-canvas').height]`,
    )) as [number, number];
    return { x: box.x + ((x + 0.5) * box.width) / w, y: box.y + ((y + 0.5) * box.height) / h };
  };
  const typeInto = async (page: Page, line: string) => {
    await page.locator('#rdp-canvas').focus();
    await page.keyboard.type(line, { delay: 15 });
    await page.keyboard.press('Enter');
  };
  /** The canvas once two reads a moment apart are the same (the screen stopped changing). */
  const settled = async (page: Page) => {
    let last = await canvasImage(page);
    const until = Date.now() + 10_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 150));
      const now = await canvasImage(page);
      if (changedFraction(now, last) === 0) return now;
      if (Date.now() > until) throw new Error('the screen kept changing for 10 s');
      last = now;
    }
  };
  const padGeometry = (server: RdpTestServer) => {
    try {
      return server.onDisplay('xdotool', ['search', '--name', 'custody-clicks', 'getwindowgeometry']);
    } catch (e) {
      return String(e);
    }
  };
  /** Until the xterm exists on the target's display (xrdp starts it after the login). */
  const xtermUp = (server: RdpTestServer) =>
    eventually(
      () => {
        try {
          return server.onDisplay('xdotool', ['search', '--class', 'xterm']).trim() !== '';
        } catch {
          return false;
        }
      },
      `the xterm on ${server.kind}'s desktop`,
      20_000,
    );

  it('the RDP servers are reachable only through the landing server', async () => {
    for (const port of [3389, 3390, 3391])
      expect(await probeTcp(topo.addr('dc', 'dmz'), port)).toBe('EHOSTUNREACH');
  });

  /**
   * One server, the whole way: link → canvas → keys → click → a late shadow → terminate → the
   * recording's still. `terminate` ends it (from the Live page or the API) and returns when.
   */
  const wholeSession = async (
    resource: string,
    server: RdpTestServer,
    terminate: (liveId: string, shadow: Page) => Promise<number>,
    reason: string,
  ) => {
    const tag = `${server.kind.replace(/[^a-z]/g, '')}${Date.now().toString(36)}`;
    const page = await open(alice, viewer(resource));
    await expect.poll(() => viewerState(page), { timeout: 20_000 }).toMatchObject({ state: 'live' });

    // The canvas shows the desktop: the xterm, twm's frame, the click pad on the root window.
    await xtermUp(server);
    await expect
      .poll(
        async () => {
          const d = looksLikeADesktop(await canvasImage(page));
          return d.colours >= 2 && d.commonest < 0.9;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    const size = await settled(page);
    // …and it is the target's screen, pixel for pixel: the canvas against the X server's own
    // picture (xwd), both at the desktop's size (at most a text cursor's worth may differ, should
    // the xterm redraw in between).
    const screen = rootImage(server);
    expect([screen.width, screen.height]).toEqual([size.width, size.height]);
    expect(changedFraction(size, screen), 'share of pixels unlike the X screen').toBeLessThan(0.001);

    // Keys: the pointer over the xterm (twm gives it the focus), a command typed in the browser.
    const file = `/tmp/${tag}-typed`;
    rmSync(file, { force: true });
    const overXterm = await onCanvas(page, 300, 250);
    await page.mouse.move(overXterm.x, overXterm.y);
    await typeInto(page, `touch ${file}`);
    await eventually(() => existsSync(file), `${file}, created by the command typed in the browser`, 15_000);

    // A click on the click pad, where the canvas shows it.
    const at = await onCanvas(page, CLICK_PAD.x + 30, CLICK_PAD.y + 40);
    await page.mouse.click(at.x, at.y);
    // Within a few pixels: the canvas may be scaled, and twm's frame moves the pad's inside.
    await eventually(
      () =>
        server.clicks().some((c) => {
          const m = /^ButtonRelease button 1 at (-?\d+),(-?\d+)$/.exec(c);
          return !!m && Math.abs(Number(m[1]) - 30) <= 4 && Math.abs(Number(m[2]) - 40) <= 4;
        }),
      () =>
        `a click at 30,40 on the pad (saw ${server.clicks().join('; ')}; pad ${padGeometry(server)}; log ${server.log().slice(-800)})`,
    );
    // Back over the xterm, so the next keys go to it.
    await page.mouse.move(overXterm.x, overXterm.y);

    // An administrator joins late: the first picture is the screen as it is now, within a second
    // of joining (the Live page's socket opening, as the DevTools protocol reports it; the page's
    // own load before that is the browser's and is only reported).
    const live = (await v.core.live.list(v.host)).find(
      (l) => l.target === `${resource}/${accounts.get(resource)}`,
    );
    expect(live).toMatchObject({ protocol: 'rdp', user: 'alice' });
    const before = await settled(page);
    let navigated = 0;
    const shadow = await open(v.host, `/live/${live!.id}`, () => (navigated = Date.now()));
    await expect
      .poll(() => shadow.evaluate(`Number(document.getElementById('rdp')?.dataset.keyframes ?? '0')`), {
        timeout: 5000,
        interval: 20,
      })
      .toBeGreaterThan(0);
    const drawn = Date.now();
    const joined = traffic.at(-1)!.socketsOpenedAt[0]!;
    expect(joined).toBeGreaterThanOrEqual(navigated);
    // The goal is one second. Speed goals are shown by figures, not timed assertions: the figure
    // is printed, and the bound only catches a shadow that never gets its picture promptly.
    console.log(
      `late shadow: first picture ${drawn - joined} ms after its socket opened, ${drawn - navigated} ms after navigating`,
    );
    expect(drawn - joined, "from the shadow's socket opening to its first picture (ms)").toBeLessThan(5000);
    const seen = await canvasImage(shadow);
    // The same pixels the operator's canvas had (the xterm's cursor may differ by a few).
    expect(changedFraction(seen, before)).toBeLessThan(0.005);
    expect(looksLikeADesktop(seen).colours).toBeGreaterThanOrEqual(2);

    // The shadow types a command: it must never run. The operator's next command does.
    const fromShadow = `/tmp/${tag}-shadow`;
    const after = `/tmp/${tag}-after`;
    rmSync(fromShadow, { force: true });
    rmSync(after, { force: true });
    const shadowAt = await onCanvas(shadow, 300, 250);
    await shadow.mouse.click(shadowAt.x, shadowAt.y);
    await typeInto(shadow, `touch ${fromShadow}`);
    // The page sends nothing from a shadow; the gateway must not read what a shadow's socket
    // sends either: the same command as input frames, straight onto a socket of the Live page.
    const forged = typeText(`touch ${fromShadow}-forged\n`).map((ev) => Array.from(encodeInput(ev)));
    const sentForged = await shadow.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket('wss://' + location.host + document.getElementById('rdp').dataset.socket);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        for (const f of ${JSON.stringify(forged)}) ws.send(new Uint8Array(f));
        resolve(${forged.length});
      };
      ws.onerror = () => resolve(0);
    })`);
    expect(sentForged).toBeGreaterThan(20);
    await typeInto(page, `touch ${after}`);
    await eventually(() => existsSync(after), `${after}, typed by the operator after the shadow`, 15_000);
    expect(existsSync(fromShadow), 'a file the shadow typed the command for').toBe(false);
    expect(existsSync(`${fromShadow}-forged`), 'a file a shadow socket sent the command for').toBe(false);

    // What the operator sees once the screen is still, as a screenshot of the canvas element
    // (scaled as displayed).
    await settled(page);
    const shot = decodePng(await page.locator('#rdp-canvas').screenshot());
    const ended = await terminate(live!.id, shadow);
    await expect
      .poll(() => viewerState(page), { timeout: 5000, interval: 20 })
      .toEqual({ state: 'ended', status: `Session ended: terminated by admin: ${reason}` });
    // The goal is one second; the figure is printed (see the late shadow above).
    console.log(`terminate → the reason on the operator's page: ${Date.now() - ended} ms`);
    await expect.poll(() => v.core.live.list(v.host).then((l) => l.map((s) => s.id))).not.toContain(live!.id);

    // The recording's still at its end shows what the browser showed. Tolerance: both images
    // averaged over 48x48 cells (the screenshot is the canvas as CSS scaled it; the still is at
    // the desktop's size), the mean difference per cell and colour under 3 of 255 and no cell
    // more than 40 off (scaling blurs edges inside a cell; a wrong picture differs by far more).
    let rec: { id: string } | undefined;
    await expect
      .poll(
        async () => {
          rec = (await v.core.recordings.list(v.host)).find(
            (r) => r.target === `${resource}/${accounts.get(resource)}` && r.status !== 'recording',
          );
          return !!rec;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const exp = await v.core.recordings.export(v.host, rec!.id, 'png');
    const chunks: Buffer[] = [];
    for await (const c of exp.open()) chunks.push(c as Buffer);
    const still = decodePng(Buffer.concat(chunks));
    expect([still.width, still.height]).toEqual([size.width, size.height]);
    const d = difference(still, shot);
    expect(d.mean, `mean cell difference (max ${d.max.toFixed(1)})`).toBeLessThan(3);
    expect(d.max).toBeLessThan(40);
  };

  it('freerdp-shadow: the link, the desktop, typed keys, a click, a late shadow, terminate from the Live page, the PNG', async () => {
    await wholeSession(
      'shadow01',
      servers.shadow!,
      async (id, shadow) => {
        await shadow.fill('input[name=reason]', 'change window over');
        const asked = Date.now();
        await shadow.click(`form[action="/live/${id}/terminate"] button[type=submit]`);
        return asked;
      },
      'change window over',
    );
  }, 90_000);

  it('xrdp: the link, the desktop, typed keys, a click, a late shadow, terminate through the API, the PNG', async () => {
    const call = httpsTransport(`https://127.0.0.1:${web.port}`, webCa);
    await wholeSession(
      'xrdp01',
      servers.xrdp!,
      async (id) => {
        const asked = Date.now();
        const r = await call('POST', `/api/v1/sessions/${id}/terminate`, {
          key: adminKey,
          body: { reason: 'maintenance starts' },
        });
        expect(r.status).toBe(200);
        return asked;
      },
      'maintenance starts',
    );
  }, 90_000);

  /** Opens the viewer on a target that cannot be reached; returns the one line the operator reads. */
  const refusedLine = async (resource: string) => {
    const page = await open(alice, viewer(resource));
    await expect.poll(() => viewerState(page).then((s) => s.state), { timeout: 20_000 }).toBe('ended');
    const { status } = await viewerState(page);
    expect(status.split('\n')).toHaveLength(1);
    return status;
  };
  const refusedRows = async () =>
    (await v.core.audit.query(v.host, { type: 'session.refused', limit: 50 })).map(
      (r) => `${r.targetName} ${r.details}`,
    );

  it('failures are one line on the operator page and an audit row: target down, landing down, standard security only, a changed certificate', async () => {
    expect(await refusedLine('down01')).toMatch(
      /^Session ended: target down01\/\S+ refused the connection \(from landing server dmz\)$/,
    );
    expect(await refusedLine('cut01')).toMatch(
      /^Session ended: landing server gone \(primary jumpx\) unreachable \(no route to host\); secondary not configured$/,
    );
    expect(await refusedLine('legacy01')).toMatch(/^Session ended: .*offers only standard RDP security/);
    const was = servers.shadow!.certificateFingerprint;
    const now = await servers.shadow!.rotateCertificate();
    expect(await refusedLine('shadow01')).toBe(
      `Session ended: TLS certificate of RDP server 'shadow01' changed (expected ${was}, got ${now}): refusing to connect`,
    );
    const rows = await refusedRows();
    for (const [resource, words] of [
      ['down01', 'refused the connection'],
      ['cut01', 'secondary not configured'],
      ['legacy01', 'standard RDP security'],
      ['shadow01', 'TLS certificate'],
    ] as const)
      expect(
        rows.some((r) => r.startsWith(`${resource}/`) && r.includes(words)),
        `${resource}: ${words}`,
      ).toBe(true);
    expect(
      (await v.core.audit.query(v.host, { type: 'host-key.mismatch', limit: 5 })).some((r) =>
        r.details.includes(now),
      ),
    ).toBe(true);
  }, 90_000);

  it('canary: no target or landing password in any page, script, WebSocket frame, URL, recording, log line or audit row', async () => {
    const passwords = [JUMP_PW, servers.shadow!.user.password, servers.xrdp!.user.password];
    const frames = traffic.flatMap((t) => [...t.received, ...t.sent]);
    const urls = traffic.flatMap((t) => t.urls);
    // The capture saw the sessions: pages, the viewer's script, frames both ways, the recordings.
    expect(frames.length).toBeGreaterThan(50);
    expect(traffic.some((t) => t.sent.length > 10)).toBe(true);
    expect(bodies.some((b) => b.includes('rdp-canvas'))).toBe(true);
    expect(urls.some((u) => u.endsWith('.js'))).toBe(true);
    expect(logLines.length).toBeGreaterThan(0);
    // Every desktop recording's file as stored (encrypted) and its PNG still.
    const recordings: string[] = [];
    for (const r of await v.core.recordings.list(v.host)) {
      if (r.protocol !== 'rdp') continue;
      const exp = await v.core.recordings.export(v.host, r.id, 'png');
      const chunks: Buffer[] = [];
      for await (const c of exp.open()) chunks.push(c as Buffer);
      recordings.push(readFileSync(exp.path).toString('latin1'), Buffer.concat(chunks).toString('latin1'));
    }
    expect(recordings.length).toBeGreaterThanOrEqual(4);
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 5000 }));
    const contents = [];
    for (const p of pages) contents.push(await p.content().catch(() => ''));
    const haystacks = {
      frames: frames.map((f) => f.toString('latin1')).join('\n'),
      urls: urls.join('\n'),
      pages: [...bodies, ...contents].join('\n'),
      logs: logLines.join('\n'),
      audit,
      recordings: recordings.join('\n'),
    };
    for (const p of passwords)
      for (const [where, text] of Object.entries(haystacks)) expect(text, where).not.toContain(p);
  });
});
