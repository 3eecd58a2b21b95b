/**
 * Gateway CPU per RDP session, through the whole gateway path as a browser uses it: the web
 * listener's viewer socket (a Node WebSocket client signed in by a one-time link, speaking the
 * viewer protocol and only counting what it receives), the desktop session in the common
 * lifecycle, the recording, the RDP engine and the decoder's framebuffer, to a REAL FreeRDP
 * shadow desktop reached through a landing sshd (an ssh2 channel at the hop), all on 127.0.0.1.
 *
 * - baseline: this process with the listener up and no session, for WINDOW_SECONDS;
 * - idle: one session connected, nothing moving on the desktop;
 * - drag: one session while xdotool moves the xterm around continuously (about 30 moves a
 *   second, from a shell loop in its own process, so its CPU is not counted).
 *
 * CPU is this process's user + system time (process.cpuUsage) over the window, as milliseconds
 * per second (ms/s; 1000 = one core). The RDP server, the X server, sshd and xdotool run in other
 * processes and are not counted. Needs root and the Debian packages (skipped with the reason).
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { silentLogger, systemTimers } from '../../core/index.ts';
import { rdpWebModule, startWebListener } from '../../gateway/index.ts';
import { fingerprintOfPem, makeSelfSigned } from '../../gateway/web/certificate.ts';
import { encodeHello } from '../../protocols/rdp/viewer-protocol.ts';
import { TEST_GATEWAY_SETTINGS } from '../../test/support/gateway-fixture.ts';
import { rdpServerSkipReason, startShadowServer } from '../../test/support/rdp-servers.ts';
import { createTestUser, sshdSkipReason, startSshd } from '../../test/support/sshd.ts';
import { createTestVault, pw } from '../../test/support/vault.ts';
import type { RdpBenchSection } from './section.ts';

const WINDOW_SECONDS = 15;
const SIZE = { width: 1024, height: 768 };
const LANDING_PW = 'Bn7%Kc3^Wq9*Zt5(Lm2d';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** This process's CPU over `seconds` while `during` runs, as ms per second. */
async function cpuOver(seconds: number, during?: () => void): Promise<number> {
  const before = process.cpuUsage();
  const started = performance.now();
  during?.();
  await pause(seconds * 1000);
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / 1000 / ((performance.now() - started) / 1000)) * 10) / 10;
}

/** Follows a one-time link like a browser and returns the session cookie it set. */
function signIn(port: number, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: `/link/${token}`, rejectUnauthorized: false }, (res) => {
        res.resume();
        const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
        if (cookie) resolve(cookie);
        else reject(new Error(`the link set no cookie (status ${res.statusCode})`));
      })
      .on('error', reject);
  });
}

export const gatewayCpuSection: RdpBenchSection = {
  name: 'gateway-cpu',
  async run(log) {
    const skip = rdpServerSkipReason('shadow') ?? sshdSkipReason();
    if (skip) return { gatewayCpu: { skipped: skip } };
    const jump = createTestUser('rdpbjump', { password: LANDING_PW });
    const [server, landing] = await Promise.all([
      startShadowServer(SIZE),
      startSshd({ allowUsers: [jump.name] }),
    ]);
    const v = await createTestVault();
    const pair = makeSelfSigned(['localhost']);
    const web = await startWebListener({
      core: v.core,
      host: '127.0.0.1',
      port: 0,
      tls: { ...pair, fingerprint: fingerprintOfPem(pair.certPem) },
      logger: silentLogger,
      clock: systemTimers,
      sessionMinutes: 30,
      modules: [
        rdpWebModule({
          core: v.core,
          settings: TEST_GATEWAY_SETTINGS,
          logger: silentLogger,
          timers: systemTimers,
        }),
      ],
    });
    let drag: ReturnType<typeof spawn> | undefined;
    let ws: WebSocket | undefined;
    try {
      const h = v.host;
      await v.core.resources.create(h, {
        name: 'jump1',
        type: 'linux',
        dnsName: landing.host,
        port: landing.port,
      });
      await v.core.accounts.add(h, 'jump1', jump.name, pw(LANDING_PW));
      await v.core.resources.create(h, {
        name: 'bench01',
        type: 'windows-rdp',
        dnsName: '127.0.0.1',
        port: server.port,
      });
      await v.core.accounts.add(h, 'bench01', server.user.name, pw(server.user.password));
      await v.core.landing.add(h, { name: 'dmz', primary: `jump1/${jump.name}` });
      await v.core.landing.associate(h, 'dmz', 'bench01');

      log(`gateway-cpu: baseline, no session, ${WINDOW_SECONDS} s`);
      const baseline = await cpuOver(WINDOW_SECONDS);

      const target = `/rdp/bench01/${server.user.name}`;
      const cookie = await signIn(web.port, (await v.core.webLinks.create(h, target)).token);
      const received = { frames: 0, bytes: 0 };
      const socket = new WebSocket(`wss://127.0.0.1:${web.port}${target}/socket`, {
        headers: { cookie, origin: `https://127.0.0.1:${web.port}` },
        rejectUnauthorized: false,
      });
      ws = socket;
      socket.on('error', () => undefined);
      socket.on('message', (data: Buffer) => {
        received.frames++;
        received.bytes += data.length;
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      socket.send(encodeHello(SIZE));
      const until = performance.now() + 20_000;
      while (received.frames < 3) {
        if (performance.now() > until) throw new Error('no desktop on the viewer socket within 20 s');
        await pause(50);
      }
      // Let the first full screen pass: the windows measure what the session costs afterwards.
      await pause(3000);

      log(`gateway-cpu: one idle session, ${WINDOW_SECONDS} s`);
      const idleFrom = { ...received };
      const idle = await cpuOver(WINDOW_SECONDS);
      const idleBytes = received.bytes - idleFrom.bytes;

      log(`gateway-cpu: one session during a continuous window drag, ${WINDOW_SECONDS} s`);
      const moves: string[] = [];
      for (let i = 0; i < 95; i++)
        moves.push(
          `${40 + Math.round(300 + 300 * Math.cos(i / 15))} ${40 + Math.round(200 + 200 * Math.sin(i / 15))}`,
        );
      const dragFrom = { ...received };
      const dragCpu = await cpuOver(WINDOW_SECONDS, () => {
        drag = spawn(
          'sh',
          [
            '-c',
            `w=$(xdotool search --name custody-xterm | head -n1); while :; do for p in ${moves
              .map((m) => `'${m}'`)
              .join(' ')}; do xdotool windowmove $w $p; sleep 0.033; done; done`,
          ],
          { env: { ...process.env, DISPLAY: server.display() }, stdio: 'ignore' },
        );
      });
      const dragBytes = received.bytes - dragFrom.bytes;
      return {
        gatewayCpu: {
          path: 'WebSocket viewer → desktop session (recorded) → landing sshd (ssh2) → freerdp-shadow-cli, 127.0.0.1',
          desktop: `${SIZE.width}x${SIZE.height}`,
          windowSeconds: WINDOW_SECONDS,
          baselineMsPerS: baseline,
          idleMsPerS: idle,
          idlePerSessionMsPerS: Math.round((idle - baseline) * 10) / 10,
          idleViewerKBPerS: Math.round(idleBytes / WINDOW_SECONDS / 102.4) / 10,
          dragMsPerS: dragCpu,
          dragPerSessionMsPerS: Math.round((dragCpu - baseline) * 10) / 10,
          dragViewerKBPerS: Math.round(dragBytes / WINDOW_SECONDS / 102.4) / 10,
        },
      };
    } finally {
      if (drag?.pid) drag.kill('SIGKILL');
      ws?.close();
      // The session's teardown writes its last audit row after the live entry goes: wait for
      // both before closing the vault under it.
      const until = performance.now() + 10_000;
      const ended = async () =>
        (await v.core.live.list(v.host)).length === 0 &&
        (await v.core.audit.query(v.host, { type: 'session.end', limit: 5 })).length > 0;
      while (ws && !(await ended()) && performance.now() < until) await pause(100);
      await web.close();
      await v.close();
      await server.stop();
      await landing.stop();
      jump.remove();
    }
  },
};
