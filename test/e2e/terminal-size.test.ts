// A terminal size a client asks for is clamped to the documented maximum wherever it enters (front
// door pty and window-change, the mux's headless screen and shadows, the recording): a 65535×65535
// request used to grow the node past its heap limit within seconds, ending every session.
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS } from '../../core/index.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { Transcript } from '../support/interactive.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';
import { castTextOf } from '../support/recording-text.ts';

const skip = sshdSkipReason();
const MiB = 1024 * 1024;

/** An ssh2 client shell with the pty size the test asks for (OpenSSH sends its real tty's). */
async function shell(port: number, username: string, cols: number, rows: number) {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username, password: USER_PASSWORD, readyTimeout: 15_000 });
  });
  const stream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
    client.shell({ term: 'xterm-256color', cols, rows }, (err, s) => (err ? reject(err) : resolve(s))),
  );
  const out = new Transcript();
  stream.on('data', (c: Buffer) => out.push(c));
  return { client, stream, out };
}

describe.skipIf(!!skip)(`terminal size bounds${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;

  beforeAll(async () => {
    fx = await sshTargetFixture('tsroot');
  }, 60_000);

  afterAll(async () => fx?.close());

  it('a 65535×65535 window-change cannot exhaust the node', async () => {
    const s = await shell(fx.gw.port, fx.direct('alice'), 65535, 65535);
    try {
      await s.out.waitFor(/\$ $/m, 15_000);
      s.stream.write('stty size\n');
      await s.out.waitFor(new RegExp(`[\\r\\n]${MAX_TERMINAL_ROWS} ${MAX_TERMINAL_COLS}\\r?\\n`), 10_000);
      const rec = (await fx.v.core.live.list(fx.v.host))[0]!;
      expect(rec).toBeDefined();

      // The memory figure: the node's RSS while one session flips between the largest size a
      // client can ask for and the smallest, drawing a full screen at each.
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      for (let i = 0; i < 40; i++) {
        const big = i % 2 === 0;
        s.stream.setWindow(big ? 65535 : 1, big ? 65535 : 1, 0, 0);
        s.stream.write(`echo MARK${i}; stty size\n`);
        await s.out.waitFor(new RegExp(`MARK${i}\\r?\\n`), 10_000);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      s.stream.write('stty size; echo DONE\n');
      await s.out.waitFor(/DONE\r?\n/, 10_000);
      const after = process.memoryUsage().rss;
      console.log(
        `terminal-size RSS: before ${(before / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB, after ${(after / MiB).toFixed(0)} MiB (40 window-changes 65535×65535 ↔ 1×1)`,
      );
      expect(peak - before).toBeLessThan(150 * MiB);
      // The recording holds the clamped sizes only.
      const castSizes = [...s.out.text.matchAll(/[\r\n](\d+) (\d+)\r?\n/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
      for (const [rows, cols] of castSizes) {
        expect(rows).toBeLessThanOrEqual(MAX_TERMINAL_ROWS);
        expect(cols).toBeLessThanOrEqual(MAX_TERMINAL_COLS);
      }
      s.stream.write('exit\n');
      await new Promise((r) => s.stream.once('close', r));
    } finally {
      s.client.end();
    }
    const [row] = await fx.v.core.recordings.list(fx.v.host, { limit: 1 });
    const cast = await castTextOf(fx.v.core.recordings, row!);
    const header = JSON.parse(cast.split('\n')[0]!) as { width: number; height: number };
    expect([header.width, header.height]).toEqual([MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS]);
    for (const m of cast.matchAll(/"r", "(\d+)x(\d+)"/g)) {
      expect(Number(m[1])).toBeLessThanOrEqual(MAX_TERMINAL_COLS);
      expect(Number(m[2])).toBeLessThanOrEqual(MAX_TERMINAL_ROWS);
    }
  }, 120_000);
});
