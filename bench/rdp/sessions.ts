/**
 * RDP sessions the gateway holds: N sessions at once (1, 4, 8, 16 by default) from this process
 * to a REAL FreeRDP shadow server on loopback (test/support/rdp-servers.ts: its own Xvfb, an
 * xterm, twm; needs root and the Debian packages, skipped with the reason otherwise), and one
 * session to xrdp (xorgxrdp) in a network namespace linked to this one (xrdp gives each user one
 * session, and every user a whole X server: one is what this machine affords). Each through
 * the gateway's RDP engine (gateway/connectors/rdp/engine.ts) and each drawing every update on
 * its own framebuffer as the gateway does for late joiners (gateway/session/desktop/screen.ts).
 * The recorder and the viewer's WebSocket are NOT included (bench/rdp/recording.ts measures the
 * recording). Direct TCP, no landing server (a landing adds the ssh2 channel's encryption).
 *
 * For each N:
 * - idle: this process's CPU (process.cpuUsage, user + system) over IDLE_SECONDS of a desktop
 *   where nothing moves, per session;
 * - drag: the same over DRAG_SECONDS while a shell process of its own drags a second xterm full
 *   of text back and forth below the first one (desktop-load.ts), per session, split
 *   into the framebuffer decoding (CPU time around each apply) and the rest (TLS, the RDP parser,
 *   the engine); and the sessions one core would hold (sessionsPerCore below);
 * - input latency, during the drag: every PROBE_MS one session (in turn) sends a key press and
 *   release (alternately `a` and BackSpace into the focused xterm); the latency is from sending
 *   the press to the first bitmap update ON THAT SESSION that covers the xterm's window (only the
 *   echo paints there; the dragged window stays below it). It includes the server's side: its
 *   screen polling or damage tracking and encoding, and the xterm's echo, not only the gateway's.
 *
 * Guacamole's maintainers quote about 25 connections per core for guacd: a quoted rule of thumb,
 * NOT measured here (guacd is not packaged in Debian 12), printed next to our figure for scale.
 * The machine is shared (other processes run during the benchmark): the load average is printed.
 */
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Secret } from '../../core/index.ts';
import { openRdpSession, type RdpSession } from '../../gateway/connectors/rdp/engine.ts';
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
import type { BitmapRect, DesktopInput } from '../../protocols/rdp/types.ts';
import { createTopology, netnsSkipReason } from '../../test/support/netns.ts';
import {
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  startXrdp,
  type RdpTestServer,
} from '../../test/support/rdp-servers.ts';
import { stats } from '../gateway/lib.ts';
import {
  cpuSecondsOf,
  intersects,
  placeXterm,
  serverPid,
  startWindowDrag,
  xtermArea,
  type ScreenArea,
} from './desktop-load.ts';
import type { RdpBenchSection } from './section.ts';

const LEVELS = [1, 4, 8, 16];
const IDLE_SECONDS = 5;
const DRAG_SECONDS = 12;
const PROBE_MS = 150;
const PROBE_TIMEOUT_MS = 2000;
const SCREEN = { width: 1024, height: 768 };
const GUACAMOLE_QUOTED_PER_CORE = 25;

const KEY_A = 0x1e;
const KEY_BACKSPACE = 0x0e;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One measured session: its framebuffer, what it received, and a pending latency probe. */
class MeasuredSession {
  readonly fb = new Framebuffer(SCREEN.width, SCREEN.height);
  updates = 0;
  bytes = 0;
  decodeMs = 0;
  #probe: { sent: number; done: (ms: number) => void } | undefined;

  /** Where the echo of a typed key paints; set once the desktop is laid out. */
  xterm: ScreenArea | undefined;

  constructor(readonly session: RdpSession) {
    session.on('bitmap', (rects) => this.#onUpdate(rects));
  }

  #onUpdate(rects: BitmapRect[]): void {
    const now = performance.now();
    this.updates++;
    const cpu = process.cpuUsage();
    for (const r of rects) {
      this.bytes += r.data.length;
      try {
        this.fb.apply(r);
      } catch {
        // A rectangle the decoder refuses costs what it cost; the gateway skips it the same way.
      }
    }
    const used = process.cpuUsage(cpu);
    this.decodeMs += (used.user + used.system) / 1000;
    const xterm = this.xterm;
    if (this.#probe && xterm && rects.some((r) => intersects(xterm, r))) {
      const probe = this.#probe;
      this.#probe = undefined;
      probe.done(now - probe.sent);
    }
  }

  /** Sends one key press and release; resolves to the ms until the echo's update, or undefined. */
  probe(scancode: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#probe = undefined;
        resolve(undefined);
      }, PROBE_TIMEOUT_MS);
      this.#probe = {
        sent: performance.now(),
        done: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      };
      const key = (down: boolean): DesktopInput => ({ kind: 'key', scancode, extended: false, down });
      this.session.input(key(true));
      this.session.input(key(false));
    });
  }

  resetCounters(): void {
    this.updates = 0;
    this.bytes = 0;
    this.decodeMs = 0;
  }
}

/** CPU milliseconds this process used while `during` ran, and the wall milliseconds. */
async function cpuDuring(during: () => Promise<void>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await during();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
}

async function openSessions(server: RdpTestServer, n: number): Promise<MeasuredSession[]> {
  const out: MeasuredSession[] = [];
  for (let i = 0; i < n; i++) {
    const session = await openRdpSession({
      host: server.host,
      port: server.port,
      size: SCREEN,
      user: server.user.name,
      password: Secret.fromString(server.user.password),
      certificateCheck: async () => undefined,
      timeoutMs: 20_000,
    });
    out.push(new MeasuredSession(session));
  }
  await eventually(() => out.every((s) => s.updates > 0), `a first screen on all ${n} sessions`, 30_000);
  return out;
}

/**
 * The probe xterm at the same place and size on every desktop, the pointer over it (twm gives
 * the focus to the window under the pointer), and where it is.
 */
async function layOut(server: RdpTestServer, sessions: MeasuredSession[]): Promise<ScreenArea> {
  await eventually(() => {
    try {
      placeXterm(server);
      return true;
    } catch {
      return false;
    }
  }, `the xterm on the ${server.kind} desktop`);
  const xterm = xtermArea(server);
  for (const s of sessions) {
    s.xterm = xterm;
    s.session.input({ kind: 'move', x: xterm.x + 150, y: xterm.y + 100 });
  }
  return xterm;
}

async function measureLevel(
  server: RdpTestServer,
  n: number,
  typed: { count: number },
  log: (line: string) => void,
) {
  const sessions = await openSessions(server, n);
  try {
    const xterm = await layOut(server, sessions);
    // The first full screen and whatever the new connections set off are not what is measured.
    await sleep(2000);
    for (const s of sessions) s.resetCounters();
    const idle = await cpuDuring(() => sleep(IDLE_SECONDS * 1000));
    const idleUpdates = sessions.reduce((a, s) => a + s.updates, 0);

    const drag = await startWindowDrag(server, xterm.y + xterm.height, SCREEN.width, SCREEN.height);
    try {
      await sleep(1000);
      for (const s of sessions) s.resetCounters();
      const pid = serverPid(server);
      const serverCpuBefore = pid ? cpuSecondsOf(pid) : NaN;
      const loop = monitorEventLoopDelay({ resolution: 20 });
      loop.enable();
      const latencies: number[] = [];
      let missed = 0;
      const busy = await cpuDuring(async () => {
        const until = performance.now() + DRAG_SECONDS * 1000;
        for (let i = 0; performance.now() < until; i++) {
          const scancode = typed.count++ % 2 === 0 ? KEY_A : KEY_BACKSPACE;
          const ms = await sessions[i % n]!.probe(scancode);
          if (ms === undefined) missed++;
          else latencies.push(ms);
          await sleep(PROBE_MS);
        }
      });
      loop.disable();
      const serverCpu = pid ? cpuSecondsOf(pid) - serverCpuBefore : NaN;
      const decodeMs = sessions.reduce((a, s) => a + s.decodeMs, 0);
      const updates = sessions.reduce((a, s) => a + s.updates, 0);
      const bytes = sessions.reduce((a, s) => a + s.bytes, 0);
      const perSessionShare = busy.cpuMs / busy.wallMs / n;
      const latency = stats(latencies);
      const level = {
        sessions: n,
        idle: {
          seconds: round(idle.wallMs / 1000, 1),
          cpuPercentPerSession: round((100 * idle.cpuMs) / idle.wallMs / n, 3),
          updatesPerSecond: round(idleUpdates / (idle.wallMs / 1000), 1),
        },
        drag: {
          seconds: round(busy.wallMs / 1000, 1),
          cpuPercentAll: round((100 * busy.cpuMs) / busy.wallMs, 2),
          cpuPercentPerSession: round(100 * perSessionShare, 2),
          decodePercentPerSession: round((100 * decodeMs) / busy.wallMs / n, 2),
          enginePercentPerSession: round((100 * (busy.cpuMs - decodeMs)) / busy.wallMs / n, 2),
          updatesPerSecondPerSession: round(updates / n / (busy.wallMs / 1000), 1),
          kBPerSecondPerSession: round(bytes / n / 1024 / (busy.wallMs / 1000), 1),
          eventLoopDelayP99Ms: round(loop.percentile(99) / 1e6, 1),
          serverCpuPercent: pid ? round((100 * serverCpu) / (busy.wallMs / 1000), 1) : null,
        },
        inputLatencyMs: { ...latency, missed },
      };
      log(
        `sessions: ${server.kind} ${n} at once — idle ${level.idle.cpuPercentPerSession} % of a core each; drag ` +
          `${level.drag.cpuPercentAll} % in all, ${level.drag.cpuPercentPerSession} % each (decode ${level.drag.decodePercentPerSession} %), ` +
          `${level.drag.updatesPerSecondPerSession} updates/s, ${level.drag.kBPerSecondPerSession} kB/s each; key→echo update p50 ${latency.p50} ms p99 ${latency.p99} ms ` +
          `(${latency.n} probes, ${missed} missed); server ${level.drag.serverCpuPercent ?? '?'} % CPU`,
      );
      return level;
    } finally {
      await drag.stop();
    }
  } finally {
    for (const s of sessions) s.session.close();
    await Promise.all(sessions.map((s) => s.session.done));
  }
}

/**
 * Sessions one core holds during the drag, from the cost of ONE MORE session on top of what the
 * process costs anyway (its timers, the probes): dividing the total by N would hide that fixed
 * part in the big runs and flatter the figure. The cost is this process's CPU per kB/s received
 * (a least-squares line through all levels: total CPU against the bytes all sessions received)
 * times what ONE session receives when it is alone: with many clients the shadow server falls
 * behind and sends each fewer updates, which would make a session look cheaper than it is.
 */
function sessionsPerCore(
  levels: { sessions: number; drag: { cpuPercentAll: number; kBPerSecondPerSession: number } }[],
) {
  const xs = levels.map((l) => l.sessions * l.drag.kBPerSecondPerSession);
  const ys = levels.map((l) => l.drag.cpuPercentAll);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const perKB =
    sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / sxx : my / Math.max(mx, 1e-9);
  const fixed = Math.max(0, my - perKB * mx);
  const alone = levels[0]!.drag.kBPerSecondPerSession;
  const perSession = perKB * alone;
  return {
    cpuPercentPerExtraSession: round(perSession, 3),
    atKBPerSecond: alone,
    cpuPercentFixed: round(fixed, 2),
    sessionsPerCore: perSession > 0 ? Math.floor((100 - fixed) / perSession) : null,
  };
}

/** One session to xrdp in a namespace of its own (its sesman needs a loopback of its own). */
async function xrdpSession(log: (line: string) => void) {
  const skip = netnsSkipReason() ?? rdpServerSkipReason('xrdp');
  if (skip) return { skipped: skip };
  const topo = await createTopology({ nodes: ['xrdp'], links: [['root', 'xrdp']] });
  try {
    const server = await startXrdp({ netns: topo.ns('xrdp'), address: topo.addr('xrdp', 'root') });
    try {
      const level = await measureLevel(server, 1, { count: 0 }, log);
      return {
        server: `xrdp (xorgxrdp) ${SCREEN.width}x${SCREEN.height}, a namespace over a veth link`,
        ...level,
      };
    } finally {
      await server.stop();
    }
  } finally {
    topo.destroy();
  }
}

export const sessionsSection: RdpBenchSection = {
  name: 'sessions',
  async run(log) {
    const skip = rdpServerSkipReason('shadow');
    if (skip) return { sessions: { skipped: skip } };
    const loadBefore = os.loadavg().map((x) => round(x));
    const server = await startShadowServer(SCREEN);
    try {
      const typed = { count: 0 };
      const levels = [];
      for (const n of LEVELS) levels.push(await measureLevel(server, n, typed, log));
      const perCore = sessionsPerCore(levels);
      log(
        `sessions: one more session costs ${perCore.cpuPercentPerExtraSession} % of a core during the drag ` +
          `at ${perCore.atKBPerSecond} kB/s ` +
          `(fixed ${perCore.cpuPercentFixed} %) → ${perCore.sessionsPerCore} per core; ` +
          `Guacamole quotes ~${GUACAMOLE_QUOTED_PER_CORE} (not measured here)`,
      );
      return {
        sessions: {
          server: `freerdp-shadow-cli ${SCREEN.width}x${SCREEN.height}, loopback, direct (no landing server)`,
          gatewayWork: 'RDP engine (TLS, parser) + a framebuffer per session; no recorder, no WebSocket',
          inputLatency:
            'key press sent → first bitmap update on that session covering the xterm (its echo), during the drag',
          levels,
          duringDrag: perCore,
          guacamole: {
            connectionsPerCore: GUACAMOLE_QUOTED_PER_CORE,
            note: "quoted by Guacamole's maintainers as a rule of thumb; NOT measured here",
          },
          oursOverGuacamole:
            perCore.sessionsPerCore === null
              ? null
              : round(perCore.sessionsPerCore / GUACAMOLE_QUOTED_PER_CORE, 1),
          xrdp: await xrdpSession(log),
          loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x)) },
          cpus: os.cpus().length,
        },
      };
    } finally {
      await server.stop();
    }
  },
};
