// Time to first frame of the web player for a one-hour recording, in Chromium (not a test; never
// fails on timing): `node bin/run-ts.mjs bench/web/player-first-frame.ts`. Also imported by the
// web benchmark (`measurePlayerFirstFrame`).
//
// A temporary home gets a recording one hour long (a screen line every half second, timestamps
// from a manual clock), the HTTPS listener runs in this process, and Chromium signs in with a
// one-time link landing on the player page. Measured from the navigation to the moment the
// player's terminal shows the recording's first screen (after the player's first seek, which is
// what loads the cast), repeated; p50 and max are reported.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { initHome, ManualClock, openCore, Secret, type Logger } from '../../core/index.ts';
import { fingerprintOfPem, makeSelfSigned } from '../../gateway/web/certificate.ts';
import { startWebListener } from '../../gateway/index.ts';
import { launchChromium } from '../../test/support/chromium.ts';

export interface PlayerFirstFrame {
  recordingSeconds: number;
  castBytes: number;
  runs: number;
  firstFrameMsP50: number;
  firstFrameMsMax: number;
}

const quiet: Logger = { log: () => undefined };

export async function measurePlayerFirstFrame(o: { runs?: number } = {}): Promise<PlayerFirstFrame> {
  const runs = o.runs ?? 5;
  const home = await mkdtemp(path.join(os.tmpdir(), 'custody-bench-web-'));
  const clock = new ManualClock(new Date());
  await initHome({
    home,
    adminPassword: Secret.fromString('Qz7#kT!wm2Rv@9LnXcJ-bench'),
    osUser: 'bench',
    source: 'bench',
    clock,
  });
  const { core } = await openCore({ home, clock, logger: quiet });
  const browser = await launchChromium();
  const pair = makeSelfSigned(['localhost']);
  const web = await startWebListener({
    core,
    host: '127.0.0.1',
    port: 0,
    tls: { ...pair, fingerprint: fingerprintOfPem(pair.certPem) },
    logger: quiet,
    clock,
    sessionMinutes: 600,
  });
  try {
    const w = await core.recordings.open(
      {
        sessionId: 'bench-hour',
        user: 'admin',
        target: 'web01/root',
        protocol: 'ssh',
        cols: 120,
        rows: 40,
        source: 'bench',
        startedAt: clock.now(),
      },
      'strict',
    );
    w.output(Buffer.from('\x1b[2J\x1b[HFIRST-FRAME of the one-hour recording\r\n'));
    for (let i = 0; i < 7200; i++) {
      clock.advance(500);
      w.output(Buffer.from(`line ${i} ${'x'.repeat(60)}\r\n`));
    }
    await w.close();
    const host = await core.system.hostActor('bench', 'bench');
    const row = (await core.as(host).recordings.list())[0]!;
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const link = await core.as(host).webLinks.create(`/recordings/${row.id}`);
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`https://127.0.0.1:${web.port}/link/${link.token}`);
      await page.waitForFunction(
        () => !!(globalThis as unknown as { custodyPlayer?: unknown }).custodyPlayer,
      );
      await page.evaluate(() =>
        (globalThis as unknown as { custodyPlayer: { seek(t: number): Promise<void> } }).custodyPlayer.seek(
          0,
        ),
      );
      await page.waitForFunction(
        () =>
          (
            globalThis as unknown as {
              document: { querySelector(s: string): { textContent: string | null } | null };
            }
          ).document
            .querySelector('.ap-term')
            ?.textContent?.includes('FIRST-FRAME'),
        undefined,
        {
          timeout: 60_000,
        },
      );
      times.push(performance.now() - t0);
      await context.close();
    }
    times.sort((a, b) => a - b);
    return {
      recordingSeconds: 3600,
      castBytes: row.bytes,
      runs,
      firstFrameMsP50: Math.round(times[Math.floor((times.length - 1) / 2)]!),
      firstFrameMsMax: Math.round(times[times.length - 1]!),
    };
  } finally {
    await browser.close();
    await web.close();
    await core.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await measurePlayerFirstFrame();
  process.stdout.write(
    `web player, one-hour recording (${(r.castBytes / 1_048_576).toFixed(1)} MiB): first frame p50 ${r.firstFrameMsP50} ms, max ${r.firstFrameMsMax} ms over ${r.runs} runs\n`,
  );
  process.stdout.write(JSON.stringify(r) + '\n');
}
