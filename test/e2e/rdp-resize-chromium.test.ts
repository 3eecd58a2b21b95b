// The desktop follows the browser window, in a real Chromium against xrdp behind a landing server
// (xrdp in a network namespace only the landing sshd reaches, the web listener's RDP viewer with
// the real dialer): the viewport changes, the page asks for the new size once it is still, the
// gateway asks xrdp through Display Control on the same RDP connection (no second login in xrdp's
// log), and the target's X screen (xdpyinfo inside the server's namespace) becomes the canvas's
// size. The session keeps its id and its recording, which holds the resize and ends at the new size.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemTimers, type Actor, type Logger } from '../../core/index.ts';
import { rdpWebModule, type RunningWebListener } from '../../gateway/index.ts';
import { startTestWebListener } from '../support/test-web-listener.ts';
import { launchChromium } from '../support/chromium.ts';
import { TEST_GATEWAY_SETTINGS } from '../support/gateway-fixture.ts';
import { createTopology, netnsSkipReason, testRun, type Topology } from '../support/netns.ts';
import { viewerState } from '../support/rdp-browser.ts';
import { rdpServerSkipReason, startXrdp, type RdpTestServer } from '../support/rdp-servers.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const skip = netnsSkipReason() ?? sshdSkipReason() ?? rdpServerSkipReason('xrdp');
const JUMP_PW = 'Rz4%Tq7^Wm2*Kc9(Hs5v';

describe.skipIf(!!skip)(`RDP resize in Chromium through a landing server${skip ? ` (${skip})` : ''}`, () => {
  let topo: Topology;
  let v: TestVault;
  let jump: TestUser;
  let landing: SshdInstance;
  let xrdp: RdpTestServer;
  let web: RunningWebListener;
  let browser: Browser;
  let alice: Actor;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    jump = createTestUser('rszjump', { password: JUMP_PW });
    topo = await createTopology({
      nodes: ['dmz', 'dc'],
      links: [
        ['root', 'dmz'],
        ['dmz', 'dc'],
      ],
    });
    const dc = topo.addr('dc', 'dmz');
    [landing, xrdp] = await Promise.all([
      startSshd({ netns: topo.ns('dmz'), address: topo.addr('dmz', 'root'), allowUsers: [jump.name] }),
      startXrdp({ netns: topo.ns('dc'), address: dc, port: 3389 }),
    ]);
    const logger = { log: () => undefined } as unknown as Logger;
    v = await createTestVault({ logger });
    const h = v.host;
    await v.core.resources.create(h, {
      name: 'jump1',
      type: 'linux',
      dnsName: landing.host,
      port: landing.port,
    });
    await v.core.accounts.add(h, 'jump1', jump.name, pw(JUMP_PW));
    await v.core.resources.create(h, { name: 'xrdp01', type: 'windows-rdp', dnsName: dc, port: 3389 });
    await v.core.accounts.add(h, 'xrdp01', xrdp.user.name, pw(xrdp.user.password));
    await v.core.landing.add(h, { name: 'dmz', primary: `jump1/${jump.name}` });
    await v.core.landing.associate(h, 'dmz', 'xrdp01');
    alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      h,
      { kind: 'account', name: `xrdp01/${xrdp.user.name}` },
      { kind: 'user', name: 'alice' },
      'view',
    );
    ({ web } = await startTestWebListener({
      core: v.core,
      logger,
      clock: systemTimers,
      modules: [
        rdpWebModule({ core: v.core, settings: TEST_GATEWAY_SETTINGS, logger, timers: systemTimers }),
      ],
    }));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await web?.close();
    await v?.close();
    await xrdp?.stop().catch(() => undefined);
    await landing?.stop();
    topo?.destroy();
    jump?.remove();
    testRun().cleanup();
  });

  const canvasSize = (page: Page) =>
    page.evaluate(
      `[document.getElementById('rdp-canvas').width, document.getElementById('rdp-canvas').height]`,
    ) as Promise<[number, number]>;
  /** The target's X screen as xdpyinfo reports it inside the server's namespace. */
  const xScreen = (): [number, number] | string => {
    try {
      const m = /dimensions:\s+(\d+)x(\d+) pixels/.exec(xrdp.onDisplay('xdpyinfo', []));
      return m ? [Number(m[1]), Number(m[2])] : 'no dimensions line';
    } catch (e) {
      return String(e).slice(0, 80);
    }
  };

  it('a new viewport size becomes the target X screen size: same session id, recorded resize', async () => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1200, height: 900 },
    });
    contexts.push(context);
    const page = await context.newPage();
    const link = await v.core.webLinks.create(alice, `/rdp/xrdp01/${xrdp.user.name}`);
    await page.goto(`https://127.0.0.1:${web.port}/link/${link.token}`);
    await expect.poll(() => viewerState(page).then((s) => s.state), { timeout: 20_000 }).toBe('live');
    const first = await canvasSize(page);
    await expect.poll(xScreen, { timeout: 10_000 }).toEqual(first);
    const [live] = await v.core.live.list(v.host);
    const logins = () => xrdp.log().match(/xrdp_wm_log_msg: login successful/g)?.length ?? 0;
    expect(logins()).toBe(1);
    expect(live).toMatchObject({ protocol: 'rdp', kind: 'desktop', user: 'alice' });

    const asked = performance.now();
    await page.setViewportSize({ width: 900, height: 700 });
    await expect.poll(() => canvasSize(page), { timeout: 20_000 }).not.toEqual(first);
    const resized = await canvasSize(page);
    expect(resized[0]).toBeLessThan(first[0]);
    expect(resized[1]).toBeLessThan(first[1]);
    expect(resized[0] % 4).toBe(0);
    await expect.poll(xScreen, { timeout: 10_000 }).toEqual(resized);
    const tookMs = performance.now() - asked;
    console.log(
      `resize: ${first.join('x')} -> ${resized.join('x')} (X screen ${String(xScreen())}), ` +
        `${tookMs.toFixed(0)} ms from the new viewport to the X screen and the canvas at the new size (500 ms of it the page's wait)`,
    );
    // Display Control: the same RDP connection, no new login on the target
    expect(logins()).toBe(1);
    // Same session: the one live entry, on the same id, still live.
    expect((await v.core.live.list(v.host)).map((l) => l.id)).toEqual([live!.id]);
    expect((await viewerState(page)).state).toBe('live');

    await page.close();
    await expect.poll(() => v.core.live.list(v.host), { timeout: 10_000 }).toEqual([]);
    let recording: string | undefined;
    await expect
      .poll(
        async () => {
          const r = (await v.core.recordings.list(v.host)).find((x) => x.status !== 'recording');
          recording = r?.id;
          return !!r;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const reader = await v.core.recordings.openDesktopReader(v.host, recording!);
    const labels = (await reader.timeline()).markers.map((m) => m.label);
    const end = await reader.frameAt(reader.duration);
    const start = await reader.frameAt(0.2);
    await reader.close();
    expect(labels).toContain(`desktop resized to ${resized[0]}x${resized[1]}`);
    expect([start.width, start.height]).toEqual(first);
    expect([end.width, end.height]).toEqual(resized);
  }, 90_000);
});
