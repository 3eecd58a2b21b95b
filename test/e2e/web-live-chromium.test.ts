// An administrator watches a live SSH session in Chromium while the operator types (real OpenSSH
// client, real sshd, through the gateway), then terminates it from the page; the operator sees
// the reason. The administrator arrives by a one-time link onto the live view.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/index.ts';
import { type RunningWebListener } from '../../gateway/index.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { sshInteractive } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';
import { launchChromium } from '../support/chromium.ts';
import { startTestWebListener } from '../support/test-web-listener.ts';

const skip = sshdSkipReason();
const quiet: Logger = { log: () => undefined };

describe.skipIf(!!skip)(`live view in the browser${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let web: RunningWebListener;
  let browser: Browser;

  beforeAll(async () => {
    fx = await sshTargetFixture('webl');
    ({ web } = await startTestWebListener({
      core: fx.v.core,
      logger: quiet,
      clock: { now: () => new Date() },
    }));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await fx?.close();
  });

  it('shows the current screen, then what the operator types; Terminate ends the SSH session with the reason', async () => {
    const op = sshInteractive(fx.gw.port, fx.direct('alice'), { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('clear; echo BEFORE-$((40+2))\n');
    await op.out.waitFor(/BEFORE-42/);
    const [live] = await fx.v.core.live.list(fx.v.host);
    const link = await fx.v.core.webLinks.create(fx.v.host, `/live/${live!.id}`);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://127.0.0.1:${web.port}/link/${link.token}`);
    const term = page.locator('.ap-term');
    // The late joiner's first picture: what was already on the operator's screen.
    await expect.poll(async () => term.innerText(), { timeout: 15_000 }).toContain('BEFORE-42');
    op.child.stdin!.write('echo LIVE-$((50+8))\n');
    await expect.poll(async () => term.innerText(), { timeout: 15_000 }).toContain('LIVE-58');
    await page.fill('input[name=reason]', 'end of change window');
    await page.click(`form[action="/live/${live!.id}/terminate"] button[type=submit]`);
    const code = await op.exited;
    expect(op.out.text).toMatch(/terminated by admin: end of change window/);
    expect(code).not.toBe(0);
    await context.close();
    const events = (await fx.v.core.audit.query(fx.v.host, { type: 'session.', limit: 50 })).map(
      (e) => e.type,
    );
    expect(events).toEqual(
      expect.arrayContaining(['session.shadow-join', 'session.terminate', 'session.end']),
    );
  }, 90_000);

  it('the player plays the recording of a real SSH session and, seeked between two screens, shows the first', async () => {
    const op = sshInteractive(fx.gw.port, fx.direct('alice'), { password: USER_PASSWORD });
    await op.out.waitFor(/\$ $/m, 15_000);
    op.child.stdin!.write('clear; echo SCREEN-$((10+1))\n');
    await op.out.waitFor(/SCREEN-11/);
    op.child.stdin!.write('clear; echo SCREEN-$((20+2))\n');
    await op.out.waitFor(/SCREEN-22/);
    op.child.stdin!.write('exit\n');
    await op.exited;
    const rec = (await fx.v.core.recordings.list(fx.v.host)).find(
      (r) => r.status !== 'recording' && r.bytes > 0,
    )!;
    // Where the two screens are on the player's timeline: the cast's own times, with idle gaps
    // capped at the page's idleTimeLimit (2 s) as the player does.
    const exp = await fx.v.core.recordings.export(fx.v.host, rec.id);
    const chunks: Buffer[] = [];
    for await (const c of exp.open() as AsyncIterable<Buffer>) chunks.push(c);
    const events = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.startsWith('['))
      .map((l) => JSON.parse(l) as [number, string, string]);
    let last = 0;
    let playerTime = 0;
    const at: number[] = [];
    for (const [t] of events) {
      playerTime += Math.min(t - last, 2);
      last = t;
      at.push(playerTime);
    }
    const i11 = events.findIndex(([, type, d]) => type === 'o' && d.includes('SCREEN-11'));
    const i22 = events.findIndex(([, type, d]) => type === 'o' && d.includes('SCREEN-22'));
    expect(i11).toBeGreaterThan(-1);
    expect(i22).toBeGreaterThan(i11);
    const seekTo = (at[i11]! + at[i22]!) / 2;
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const link = await fx.v.core.webLinks.create(fx.v.host, `/recordings/${rec.id}`);
    await page.goto(`https://127.0.0.1:${web.port}/link/${link.token}`);
    await page.waitForFunction(() => !!(globalThis as unknown as { custodyPlayer?: unknown }).custodyPlayer);
    await page.evaluate(async (t) => {
      const p = (globalThis as unknown as { custodyPlayer: { seek(t: number): Promise<void> } })
        .custodyPlayer;
      await p.seek(0);
      await p.seek(t);
    }, seekTo);
    const term = page.locator('.ap-term');
    await expect.poll(async () => term.innerText(), { timeout: 15_000 }).toContain('SCREEN-11');
    expect(await term.innerText()).not.toContain('SCREEN-22');
    await context.close();
  }, 90_000);
});
