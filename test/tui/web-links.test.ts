// The console's browser links: `w` on the Recordings screen and on the Live screen shows a
// one-time link (core's web links, as `custody web link` makes them) for the signed-in operator,
// landing on the selected recording's player or the selected session's live page. The link is
// opened through the real web listener: it signs in once and lands on that page (200), and the
// second use is refused. Without a web listener the console says so and makes no link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTransport, type ApiFixture } from '../support/api-fixture.ts';
import { KEYS, manualTimers, openConsole } from '../support/console-harness.ts';
import { registerFake } from '../support/live.ts';
import { cookiesOf, webRequest, type WebResponse } from '../support/web.ts';

const LINK = /https:\/\/127\.0\.0\.1:\d+\/link\/[A-Za-z0-9_-]{20,}/;

describe('console browser links', () => {
  let f: ApiFixture;
  let recordingId: string;
  let port: number;
  const get = (pathname: string, cookie?: string): Promise<WebResponse> =>
    webRequest(port, f.ca, pathname, cookie ? { cookie } : {});
  const linkCreations = async () =>
    (await f.v.core.audit.query(f.v.host, { type: 'web.link-create', limit: 100 })).length;

  /** Opens the link as a browser would: the redirect, then the page it lands on with the new cookie. */
  async function openLink(url: string): Promise<{ landed: string; page: WebResponse }> {
    const first = await get(new URL(url).pathname);
    expect(first.status).toBe(303);
    const landed = String(first.headers.location);
    return { landed, page: await get(landed, cookiesOf(first)) };
  }

  beforeAll(async () => {
    f = await apiTransport();
    port = Number(new URL(f.url).port);
    const w = await f.v.core.recordings.open(
      {
        sessionId: 'rec-web-1',
        user: 'alice',
        target: 'web01/root',
        protocol: 'ssh',
        cols: 60,
        rows: 10,
        source: 'test',
        startedAt: new Date(),
      },
      'strict',
    );
    w.output(Buffer.from('$ echo HELLO\r\nHELLO\r\n'));
    await w.close();
    recordingId = (await f.v.core.recordings.list(f.v.host, { limit: 5 }))[0]!.id;
    await registerFake(f.v.core.system.liveRegistry, {
      id: 'live-web-1',
      user: 'bob',
      target: 'db01/dba',
    });
  }, 60_000);
  afterAll(async () => f?.close());

  it('w on a recording shows a link to its player that signs in once, then is refused', async () => {
    const timers = manualTimers();
    const c = await openConsole(f.v.core, f.v.host, {
      cols: 120,
      webAddress: () => f.url,
      options: { timers },
    });
    try {
      await c.waitFor('Search:');
      await c.press(KEYS.tab, KEYS.tab, KEYS.tab);
      await c.waitFor('1 recording');
      await c.press('w');
      const frame = await c.waitFor(LINK);
      expect(frame).toContain(
        `Replay ${recordingId} in a browser: open within 60 s, once (signs in as ${f.v.host.user.username})`,
      );
      const url = LINK.exec(frame)![0];
      const { landed, page } = await openLink(url);
      expect(landed).toBe(`/recordings/${recordingId}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`data-cast="/recordings/${recordingId}/cast"`);
      const again = await get(new URL(url).pathname);
      expect(again.status).toBe(401);
      expect(again.headers.location).toBeUndefined();
      // A used or expired link is of no use on screen: it goes when its 60 s are over.
      timers.advance(59_000);
      expect(c.frame()).toMatch(LINK);
      timers.advance(1_000);
      await c.waitForGone('/link/');
    } finally {
      await c.close();
    }
  });

  it('w on a live session shows a link to its live page, for one use', async () => {
    const c = await openConsole(f.v.core, f.v.host, { cols: 120, webAddress: () => f.url });
    try {
      await c.waitFor('Search:');
      await c.press(KEYS.tab, KEYS.tab);
      await c.waitFor('1 live session');
      await c.press('w');
      const frame = await c.waitFor(LINK);
      expect(frame).toContain('Watch live-web-1 in a browser: open within 60 s');
      const url = LINK.exec(frame)![0];
      const { landed, page } = await openLink(url);
      expect(landed).toBe('/live/live-web-1');
      expect(page.status).toBe(200);
      expect(page.body).toContain('data-live="/live/live-web-1/stream"');
      expect((await get(new URL(url).pathname)).status).toBe(401);
    } finally {
      await c.close();
    }
  });

  it('the on-screen help of each screen names its link key', async () => {
    const c = await openConsole(f.v.core, f.v.host, { cols: 120, rows: 40, webAddress: () => f.url });
    try {
      await c.waitFor('Search:');
      await c.press(KEYS.tab, KEYS.tab);
      await c.waitFor('1 live session');
      await c.press('?');
      expect(await c.waitFor('watch the session in a browser')).toMatch(
        /w\s+a one-time link to watch the session in a browser \(60 s, one use\)/,
      );
      await c.press(KEYS.escape, KEYS.tab);
      await c.waitFor('1 recording');
      await c.press('?');
      expect(await c.waitFor('replay the recording in a browser')).toMatch(
        /w\s+a one-time link to replay the recording in a browser \(60 s, one use\)/,
      );
    } finally {
      await c.close();
    }
  });

  it('says there is no web listener, and makes no link, when none runs on the node', async () => {
    const before = await linkCreations();
    const c = await openConsole(f.v.core, f.v.host, { cols: 120, webAddress: () => undefined });
    try {
      await c.waitFor('Search:');
      await c.press(KEYS.tab, KEYS.tab, KEYS.tab);
      await c.waitFor('1 recording');
      await c.press('w');
      const frame = await c.waitFor('no web listener is running on this node');
      expect(frame).not.toContain('/link/');
      expect(await linkCreations()).toBe(before);
    } finally {
      await c.close();
    }
  });
});
