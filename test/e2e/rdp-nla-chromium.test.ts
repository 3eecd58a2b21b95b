// NLA in a real Chromium, behind a landing server: FreeRDP's shadow server with `/sec:nla
// /sam-file:F` in a network namespace only the landing sshd reaches, the web listener's RDP viewer
// with the real dialer (the RDP connector over the grant's landing chain). The vaulted password
// logs in with CredSSP and the desktop is drawn on the canvas; a wrong stored password ends the
// viewer with the "logon failure" line and a session.refused audit row, and nothing is drawn.
// Canary: the target password is in no WebSocket frame either way, no URL, no page, no audit row
// and no log line.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemTimers, type Actor, type Logger } from '../../core/index.ts';
import { rdpWebModule, type RunningWebListener } from '../../gateway/index.ts';
import { launchChromium } from '../support/chromium.ts';
import { TEST_GATEWAY_SETTINGS } from '../support/gateway-fixture.ts';
import { netnsSkipReason } from '../support/netns.ts';
import { canvasImage, captureTraffic, viewerState, type CapturedFrames } from '../support/rdp-browser.ts';
import { nlaLanding } from '../support/rdp-nla-landing.ts';
import { rdpServerSkipReason, type RdpTestServer } from '../support/rdp-servers.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import type { TestVault } from '../support/vault.ts';
import { startTestWebListener } from '../support/test-web-listener.ts';

const skip = netnsSkipReason() ?? sshdSkipReason() ?? rdpServerSkipReason('shadow');
const JUMP_PW = 'Jc6%Rw2^Yx9*Pm4(Nd7e';
const STALE_PW = 'Stale#Chromium-Pass-8830!';

describe.skipIf(!!skip)(`NLA in Chromium through a landing server${skip ? ` (${skip})` : ''}`, () => {
  let v: TestVault;
  let shadow: RdpTestServer;
  let web: RunningWebListener;
  let browser: Browser;
  let alice: Actor;
  const contexts: BrowserContext[] = [];
  const logLines: string[] = [];
  const traffic: CapturedFrames[] = [];
  const pages: Page[] = [];
  const world = nlaLanding({
    jumpUser: 'nlacjump',
    jumpPassword: JUMP_PW,
    stalePassword: STALE_PW,
    logLines,
  });

  beforeAll(async () => {
    let logger: Logger;
    ({ v, shadow, logger } = await world.start());
    const h = v.host;
    alice = await v.addUser('alice', 'password-user');
    for (const r of ['win01', 'winstale'])
      await v.core.sharing.grant(
        h,
        { kind: 'account', name: `${r}/${shadow.user.name}` },
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
    await world.stop();
  });

  const open = async (resource: string): Promise<Page> => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1200, height: 900 },
    });
    contexts.push(context);
    const page = await context.newPage();
    pages.push(page);
    traffic.push(await captureTraffic(page));
    const link = await v.core.webLinks.create(alice, `/rdp/${resource}/${shadow.user.name}`);
    await page.goto(`https://127.0.0.1:${web.port}/link/${link.token}`);
    return page;
  };

  /** Pixels of the canvas that are not black: the desktop has been drawn. */
  const painted = async (page: Page) => {
    const img = await canvasImage(page);
    let n = 0;
    for (let i = 0; i < img.rgba.length; i += 4)
      if (img.rgba[i]! + img.rgba[i + 1]! + img.rgba[i + 2]! > 0) n++;
    return n;
  };

  it('the vaulted password logs in with NLA and the desktop is drawn in Chromium', async () => {
    const page = await open('win01');
    await expect.poll(() => viewerState(page).then((s) => s.state), { timeout: 20_000 }).toBe('live');
    await expect.poll(() => painted(page), { timeout: 15_000 }).toBeGreaterThan(10_000);
    const [live] = await v.core.live.list(v.host);
    expect(live).toMatchObject({ protocol: 'rdp', kind: 'desktop', user: 'alice' });
  }, 90_000);

  it('a wrong stored password: the logon failure line, an audit row, nothing drawn', async () => {
    const page = await open('winstale');
    await expect.poll(() => viewerState(page).then((s) => s.state), { timeout: 20_000 }).toBe('ended');
    expect((await viewerState(page)).status).toMatch(
      /^Session ended: .*refused the NLA login: logon failure \(wrong user name or password\)/,
    );
    expect(await painted(page)).toBe(0);
    const rows = (await v.core.audit.query(v.host, { type: 'session.refused', limit: 20 })).filter((r) =>
      r.targetName.startsWith('winstale/'),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toContain('logon failure');
  }, 90_000);

  it('canary: the target password in no frame, URL, page, audit row or log line', async () => {
    const frames = traffic
      .flatMap((t) => [...t.received, ...t.sent].map((b) => b.toString('latin1')))
      .join('\n');
    // The desktop arrived (a keyframe and updates): the frames checked are the real ones.
    expect(traffic[0]!.received.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(2000);
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 5000 }));
    for (const p of [shadow.user.password, STALE_PW, JUMP_PW]) {
      expect(frames).not.toContain(p);
      expect(frames).not.toContain(Buffer.from(p, 'utf16le').toString('latin1'));
      expect(traffic.flatMap((t) => t.urls).join('\n')).not.toContain(p);
      for (const page of pages) expect(await page.content()).not.toContain(p);
      expect(audit).not.toContain(p);
      for (const line of logLines) expect(line).not.toContain(p);
    }
  });
});
