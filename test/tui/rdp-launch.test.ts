// The console's connect on an RDP account (c in the account, Ctrl-O in the explorer) opens no
// terminal session: it shows a one-time link to the account's viewer on the web listener, which
// signs in once and lands on the viewer page (200), the second use refused. The checks are those
// of connecting: under access control without a check-out, the refusal an SSH session gets and no
// link; no web listener, a line that says so. A terminal account still connects in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemTimers, type Actor } from '../../core/index.ts';
import { rdpWebModule, type RunningWebListener } from '../../gateway/index.ts';
import { KEYS, openConsole } from '../support/console-harness.ts';
import { TEST_GATEWAY_SETTINGS } from '../support/gateway-fixture.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { cookiesOf, webRequest } from '../support/web.ts';
import { startTestWebListener } from '../support/test-web-listener.ts';

const LINK = /https:\/\/127\.0\.0\.1:\d+\/link\/[A-Za-z0-9_-]{20,}/;

describe('console connect on an RDP account', () => {
  let v: TestVault;
  let alice: Actor;
  let web: RunningWebListener;
  let certPem: string;
  const address = () => `https://127.0.0.1:${web.port}`;
  const get = (pathname: string, cookie?: string) =>
    webRequest(web.port, certPem, pathname, cookie ? { cookie } : {});

  beforeAll(async () => {
    v = await createTestVault();
    alice = await v.addUser('alice', 'password-user');
    for (const [name, type, account] of [
      ['win01', 'windows-rdp', 'Administrator'],
      ['win02', 'windows-rdp', 'Administrator'],
      ['web01', 'linux', 'root'],
    ] as const) {
      await v.core.resources.create(v.host, { name, type, dnsName: `${name}.example` });
      await v.core.accounts.add(v.host, name, account, pw(`Zq9#Lm2$Vx7!Rt4&Kp8w-${name}`));
      await v.core.sharing.grant(v.host, { kind: 'resource', name }, { kind: 'user', name: 'alice' }, 'view');
    }
    await v.core.access.configure(v.host, 'win02', { approvers: ['admin'], autoApprove: 'always' });
    ({ web, certPem } = await startTestWebListener({
      core: v.core,
      logger: silentLogger,
      clock: systemTimers,
      modules: [
        rdpWebModule({
          core: v.core,
          settings: TEST_GATEWAY_SETTINGS,
          logger: silentLogger,
          timers: systemTimers,
        }),
      ],
    }));
  }, 60_000);
  afterAll(async () => {
    await web?.close();
    await v?.close();
  });

  /** Explorer: search for `text` and wait until `ref` is the selected row. */
  async function select(c: Awaited<ReturnType<typeof openConsole>>, text: string, ref: string) {
    await c.showAll();
    await c.press(...text);
    await c.waitFor(`› ${ref}`);
  }

  it('c shows a one-time link to the viewer, which opens the viewer page once', async () => {
    const c = await openConsole(v.core, alice, { cols: 120, webAddress: address });
    try {
      await select(c, 'win01', 'win01/Administrator');
      await c.press(KEYS.enter);
      await c.waitFor(/Password\s+•+/);
      await c.press('c');
      const frame = await c.waitFor(LINK);
      expect(frame).toContain(
        'Open the desktop of win01/Administrator in a browser: open within 60 s, once (signs in as alice)',
      );
      expect(c.launches).toEqual([]);
      const url = new URL(LINK.exec(frame)![0]);
      const first = await get(url.pathname);
      expect([first.status, first.headers.location]).toEqual([303, '/rdp/win01/Administrator']);
      const viewer = await get('/rdp/win01/Administrator', cookiesOf(first));
      expect(viewer.status).toBe(200);
      expect(viewer.body).toContain('data-socket="/rdp/win01/Administrator/socket"');
      expect((await get(url.pathname)).status).toBe(401);
      // Nothing was authorised as a session: that happens when the viewer connects.
      expect(await v.core.audit.query(v.host, { type: 'session.authorize', limit: 5 })).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('under access control without a check-out: the refusal connecting gets, and no link', async () => {
    const expected = await v.core.sessions.authorize(alice, 'win02/Administrator').then(
      () => 'authorised',
      (e: { code: string; message: string }) => `${e.message} (${e.code})`,
    );
    expect(expected).toContain('under access control');
    const links = (await v.core.audit.query(v.host, { type: 'web.link-create', limit: 100 })).length;
    const c = await openConsole(v.core, alice, { cols: 140, webAddress: address });
    try {
      await select(c, 'win02', 'win02/Administrator');
      await c.press(KEYS.ctrlO);
      const frame = await c.waitFor(expected);
      expect(frame).not.toMatch(LINK);
      expect(c.launches).toEqual([]);
      expect((await v.core.audit.query(v.host, { type: 'web.link-create', limit: 100 })).length).toBe(links);
    } finally {
      await c.close();
    }
  });

  it('says there is no web listener when none runs, and a terminal account still connects in place', async () => {
    const c = await openConsole(v.core, alice, { cols: 120, webAddress: () => undefined });
    try {
      await select(c, 'win01', 'win01/Administrator');
      await c.press(KEYS.ctrlO);
      const frame = await c.waitFor('no web listener is running on this node');
      expect(frame).not.toMatch(LINK);
      expect(c.launches).toEqual([]);
      await c.press(KEYS.escape);
      await select(c, 'web01', 'web01/root');
      await c.press(KEYS.ctrlO);
      await c.waitFor('session to web01/root ended');
      expect(c.launches).toEqual(['web01/root']);
    } finally {
      await c.close();
    }
  });
});
