// Gateway benchmark (not a test; never fails on timing): `npm run bench:gateway` or
// `node bin/run-ts.mjs bench/gateway/run.ts [options]`. Needs root and OpenSSH (real sshd, real
// Linux users); everything listens on 127.0.0.1.
//
// Topology, the same hop count on both paths:
//
//   gateway path:  OpenSSH client ─► Custody gateway ─► landing sshd ─► (direct-tcpip) ─► target sshd
//   baseline:      ssh -J landinguser@127.0.0.1:LPORT targetuser@127.0.0.1 -p TPORT
//                  (OpenSSH client ─► landing sshd ─► (direct-tcpip) ─► target sshd)
//
// Key authentication everywhere: the baseline uses the landing and target users' keys; the
// operator logs in to the gateway with a public key registered for the Custody user; the gateway
// logs in to the landing server and to the target with those same private keys, vaulted as
// `private-key` accounts. Recording is on (default strict policy; recordings under the home).
//
// Measures (warm-up and repetitions each; p50/p99 for latencies):
//   1. bulk throughput of an exec stream, both directions (download: `cat FILE` on the target;
//      upload: `wc -c` on the target fed from stdin), MB/s (MB = 2^20 bytes), gateway vs ssh -J;
//   2. keystroke echo latency through a pty (`stty raw -echo; exec cat` on the target), one
//      session each way; then through a gateway holding N idle-ish ssh2 sessions;
//   3. session set-up time (connect + authenticate + exec `true` + exit), gateway vs ssh -J, with
//      the gateway's time split by phase (phase-times.ts); then sessions opened per second with
//      --open-concurrency in flight, gateway vs ssh -J (open-rate.ts);
//   4. gateway RSS and V8 heap per idle session: the gateway runs as a child process
//      (`node bin/custody.mjs --home H server --ssh-port 0`) and N ssh2 clients each hold an open
//      pty shell (`cat`) on the target.
// Phases 1–3 (single session) run the gateway in this process (startGateway, port 0); the
// concurrency runs (2 with load, 4) use the child process, so the load generator's ssh2 clients do
// not share the gateway's event loop and the memory figures are the gateway's alone.
//
// Prints a table and one JSON line, and writes bench/results/gateway-<date>.json (git-ignored).
// Everything started (users, sshd, gateway child, ssh clients, temp dirs) is removed at the end,
// also on error or a signal.
//
// Options: --bulk-mb N (200) --bulk-reps N (3) --echo-samples N (300) --setup-samples N (30)
//          --load-n N (500) --mem-n N (1000) --open-concurrency N (16) --budget-s S (480)
//          --open-n N (100: sessions per path for the sessions-opened-per-second measure)
//          --cpu-prof (profile the in-process gateway during the first download and upload run:
//          bench/results/gateway-<dir>.cpuprofile and a summary; see cpu-profile.ts)
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  chownSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import { gatewaySettings } from '../../cli/commands/server.ts';
import { REPOSITORY_ROOT, Secret, silentLogger } from '../../core/index.ts';
import { ensureHostKey, startGateway, type RunningGateway } from '../../gateway/index.ts';
import { testRun } from '../../test/support/netns.ts';
import {
  createTestUser,
  freePort,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../../test/support/sshd.ts';
import { createTestVault, type TestVault } from '../../test/support/vault.ts';
import {
  cpuSecondsOf,
  echoSeries,
  killTracked,
  log,
  openLoadSession,
  ratio,
  rssOf,
  sleep,
  spawnOwned,
  stats,
  stopOwned,
  timedRun,
  type EchoResult,
  type LoadSession,
  type Stats,
} from './lib.ts';
import { contextOf } from '../../test/support/core-internals.ts';
import { printProfile, startCpuProfile, type ProfileSummary } from './cpu-profile.ts';
import { binaryDownloads } from './binary.ts';
import { openRate } from './open-rate.ts';
import { phaseRecorder } from './phase-times.ts';

const { values: argv } = parseArgs({
  options: {
    'bulk-mb': { type: 'string', default: '200' },
    'bulk-reps': { type: 'string', default: '3' },
    'echo-samples': { type: 'string', default: '300' },
    'setup-samples': { type: 'string', default: '30' },
    'load-n': { type: 'string', default: '500' },
    'mem-n': { type: 'string', default: '1000' },
    'open-concurrency': { type: 'string', default: '16' },
    'open-n': { type: 'string', default: '100' },
    'budget-s': { type: 'string', default: '480' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const MiB = 1024 * 1024;
const BULK_MB = Number(argv['bulk-mb']);
const BULK_BYTES = BULK_MB * MiB;
const WARM_BYTES = Math.min(BULK_BYTES, 32 * MiB);
const BULK_REPS = Number(argv['bulk-reps']);
const ECHO_SAMPLES = Number(argv['echo-samples']);
const ECHO_WARMUP = 30;
const SETUP_SAMPLES = Number(argv['setup-samples']);
const SETUP_WARMUP = 3;
const LOAD_N = Number(argv['load-n']);
const MEM_N = Math.max(LOAD_N, Number(argv['mem-n']));
const OPEN_CONCURRENCY = Number(argv['open-concurrency']);
const OPEN_N = Number(argv['open-n']);
const BUDGET_MS = Number(argv['budget-s']) * 1000;
const CPU_PROF = argv['cpu-prof'] === true;
const profiled = new Set<string>();
const profiles: Record<string, ProfileSummary> = {};
const SSH = '/usr/bin/ssh';

const began = performance.now();
const elapsed = () => performance.now() - began;
const remaining = () => BUDGET_MS - elapsed();
const mb = (bytes: number) => Math.round((bytes / MiB) * 100) / 100;
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

// ---------------------------------------------------------------------------------------------
// cleanup: everything this run starts is undone here, also on error or a signal

const undo: { what: string; fn: () => unknown }[] = [];
const syncUndo: (() => void)[] = [];
const loadSessions: LoadSession[] = [];

function emergencyCleanup(): void {
  for (const s of loadSessions) {
    try {
      s.client.destroy();
    } catch {
      // gone
    }
  }
  killTracked();
  for (const fn of syncUndo.splice(0).reverse()) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}

async function runUndo(): Promise<void> {
  for (const s of loadSessions.splice(0)) {
    try {
      s.client.destroy();
    } catch {
      // gone
    }
  }
  for (const u of undo.splice(0).reverse()) {
    try {
      await Promise.race([
        Promise.resolve(u.fn()),
        sleep(20_000).then(() => log(`cleanup step '${u.what}' took over 20 s; moving on`)),
      ]);
    } catch (e) {
      log(`cleanup step '${u.what}' failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  killTracked();
  for (const fn of syncUndo.splice(0).reverse()) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}

// Registered before testRun()'s own handlers (users, sshd by pid), which run next and exit.
process.once('exit', emergencyCleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    emergencyCleanup();
    // testRun()'s handler (registered later) removes users and sshd, then exits; if it is not
    // there yet, exit here.
    setImmediate(() => process.exit(128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGINT' ? 2 : 1)));
  });

// ---------------------------------------------------------------------------------------------

interface PathArgs {
  gateway: (port: number) => string[];
  baseline: string[];
  /** The baseline with the key exchange the gateway negotiates (curve25519-sha256). */
  baselineSameKex: string[];
}

/** The newest cast file under the recordings dir (after a bulk run through the gateway). */
function newestCast(dir: string): string | undefined {
  let best: { p: string; t: number } | undefined;
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.cast') || e.name.endsWith('.rec')) {
        const t = statSync(p).mtimeMs;
        if (!best || t > best.t) best = { p, t };
      }
    }
  };
  walk(dir);
  return best?.p;
}

function acceptedCount(sshd: SshdInstance, user: string): number {
  return sshd
    .log()
    .split('\n')
    .filter((l) => l.includes(`Accepted publickey for ${user} `)).length;
}

function sshdEffective(sshd: SshdInstance): Record<string, string> {
  const out = execFileSync('/usr/sbin/sshd', ['-T', '-f', path.join(sshd.dir, 'sshd_config')], {
    encoding: 'utf8',
  });
  const want = ['maxstartups', 'maxsessions', 'logingracetime', 'ciphers'];
  const res: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const [k, ...rest] = line.split(' ');
    if (k && want.includes(k)) res[k] = rest.join(' ');
  }
  return res;
}

/** `kex: algorithm` and `kex: server->client cipher` of each connection of one verbose run. */
async function negotiated(args: string[]): Promise<string[]> {
  const r = await timedRun(SSH, ['-v', ...args, 'true'], { timeoutMs: 20_000 });
  const kex = [...r.stderr.matchAll(/kex: algorithm: (\S+)/g)].map((m) => m[1]!);
  const ciphers = [...r.stderr.matchAll(/kex: server->client cipher: (\S+)/g)].map((m) => m[1]!);
  return ciphers.map((c, i) => `${kex[i] ?? '?'}/${c}`);
}

/**
 * What ssh2's client negotiates with the landing sshd when given no algorithm list, as the
 * gateway's dialSsh does: the gateway's hop and target connections use the same.
 */
function ssh2Defaults(port: number, username: string, privateKey: Buffer): Promise<string[]> {
  return new Promise((resolve) => {
    const c = new ssh2.Client();
    let got: string[] = [];
    const timer = setTimeout(() => c.destroy(), 15_000);
    c.on('handshake', (n) => (got = [`${n.kex}/${n.cs.cipher}`]));
    c.on('error', () => {});
    c.on('ready', () => c.end());
    c.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    c.connect({ host: '127.0.0.1', port, username, privateKey, readyTimeout: 15_000 });
  });
}

// ---------------------------------------------------------------------------------------------
// phases

async function setupTimes(p: PathArgs, gwPort: number) {
  log(
    `session set-up: ${SETUP_WARMUP} warm-up + ${SETUP_SAMPLES} samples per path (gateway, ssh -J, ssh -J with curve25519), interleaved`,
  );
  const gw: number[] = [];
  const base: number[] = [];
  const baseKex: number[] = [];
  let gwCpuMs = 0;
  const failures: string[] = [];
  const phaseEnd = performance.now() + Math.min(90_000, remaining() - 150_000);
  const phases = phaseRecorder();
  for (let i = 0; i < SETUP_WARMUP + SETUP_SAMPLES; i++) {
    if (performance.now() > phaseEnd) {
      failures.push(`time budget reached after ${gw.length} samples`);
      break;
    }
    const c0 = process.cpuUsage();
    phases.begin(performance.now());
    const g = await timedRun(SSH, [...p.gateway(gwPort), 'true'], { timeoutMs: 30_000 });
    phases.end(performance.now(), i >= SETUP_WARMUP && g.code === 0);
    const c = process.cpuUsage(c0);
    const b = await timedRun(SSH, [...p.baseline, 'true'], { timeoutMs: 30_000 });
    const k = await timedRun(SSH, [...p.baselineSameKex, 'true'], { timeoutMs: 30_000 });
    if (g.code !== 0) failures.push(`gateway: exit ${g.code} ${g.stderr.trim().slice(0, 200)}`);
    if (b.code !== 0) failures.push(`ssh -J: exit ${b.code} ${b.stderr.trim().slice(0, 200)}`);
    if (k.code !== 0) failures.push(`ssh -J (curve25519): exit ${k.code} ${k.stderr.trim().slice(0, 200)}`);
    if (i < SETUP_WARMUP) continue;
    if (k.code === 0) baseKex.push(k.ms);
    if (g.code === 0) {
      gw.push(g.ms);
      gwCpuMs += (c.user + c.system) / 1000;
    }
    if (b.code === 0) base.push(b.ms);
  }
  phases.stop();
  const g = stats(gw);
  const b = stats(base);
  const k = stats(baseKex);
  return {
    gatewayPhasesMs: phases.summary(),
    gatewayMs: g,
    sshJMs: b,
    ratioP50: ratio(g.p50, b.p50),
    ratioP99: ratio(g.p99, b.p99),
    sshJSameKexMs: k,
    ratioP50SameKex: ratio(g.p50, k.p50),
    ratioP99SameKex: ratio(g.p99, k.p99),
    gatewayCpuMsPerSession: r2(gwCpuMs / (gw.length || 1)),
    failures: failures.slice(0, 5),
  };
}

function echoSummary(r: EchoResult) {
  return {
    ...stats(r.samplesMs),
    warmup: r.warmup,
    readyMs: r1(r.readyMs),
    ...(r.error ? { error: r.error } : {}),
  };
}

async function bulk(
  p: PathArgs,
  gwPort: number,
  files: { local: string; localWarm: string; remote: string; remoteRandom: string },
  recordingsDir: string,
) {
  type Dir = 'download' | 'upload';
  const emptyGw = () => ({
    mbps: [] as number[],
    ms: [] as number[],
    recordingBytes: [] as number[],
    cpuS: [] as number[],
    startRssMb: [] as number[],
    peakRssMb: [] as number[],
    peakExternalMb: [] as number[],
    peakArrayBuffersMb: [] as number[],
  });
  const out: Record<
    Dir,
    {
      gateway: {
        mbps: number[];
        ms: number[];
        recordingBytes: number[];
        cpuS: number[];
        startRssMb: number[];
        peakRssMb: number[];
        peakExternalMb: number[];
        peakArrayBuffersMb: number[];
      };
      sshJ: { mbps: number[]; ms: number[] };
      failures: string[];
    }
  > = {
    download: { gateway: emptyGw(), sshJ: { mbps: [], ms: [] }, failures: [] },
    upload: { gateway: emptyGw(), sshJ: { mbps: [], ms: [] }, failures: [] },
  };
  const phaseEnd = performance.now() + Math.min(120_000, remaining() - 130_000);

  // One run: returns wall ms, or throws with the reason. The byte count is checked on both ends.
  const once = async (dir: Dir, args: string[], bytes: number): Promise<number> => {
    if (dir === 'download') {
      // stdout → `wc -c` (a second process, the same on both paths); nothing passes through node.
      const r = await timedRun(
        'sh',
        ['-c', `"$@" | wc -c`, 'sh', SSH, ...args, `head -c ${bytes} ${files.remote}`],
        { timeoutMs: 180_000 },
      );
      const got = Number(r.stdout.trim());
      if (got !== bytes)
        throw new Error(`received ${got} of ${bytes} bytes (${r.stderr.trim().slice(0, 200)})`);
      return r.ms;
    }
    const fd = openSync(bytes === BULK_BYTES ? files.local : files.localWarm, 'r');
    try {
      const r = await timedRun(SSH, [...args, 'wc -c'], { stdin: fd, timeoutMs: 180_000 });
      const got = Number(r.stdout.trim());
      if (r.code !== 0 || got !== bytes)
        throw new Error(
          `target counted ${got} of ${bytes} bytes, exit ${r.code} (${r.stderr.trim().slice(0, 200)})`,
        );
      return r.ms;
    } finally {
      closeSync(fd);
    }
  };

  for (const dir of ['download', 'upload'] as const) {
    log(
      `bulk ${dir}: 1 warm-up of ${mb(WARM_BYTES)} MB + ${BULK_REPS} × ${BULK_MB} MB per path, alternating`,
    );
    const o = out[dir];
    const gwRun = async (bytes: number, keep: boolean) => {
      // This process is the gateway here (the clients are OpenSSH processes): its RSS and its
      // Buffer memory (external) over the run show what the gateway holds in flight.
      const m0 = process.memoryUsage();
      let peak = m0.rss;
      let peakExt = m0.external;
      let peakAb = m0.arrayBuffers;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.rss);
        peakExt = Math.max(peakExt, m.external);
        peakAb = Math.max(peakAb, m.arrayBuffers);
      }, 50);
      const profiling = keep && CPU_PROF && !profiled.has(dir);
      if (profiling) profiled.add(dir);
      const profiler = profiling
        ? await startCpuProfile(path.join(REPOSITORY_ROOT, 'bench', 'results', `gateway-${dir}.cpuprofile`))
        : undefined;
      const c0 = process.cpuUsage();
      try {
        const ms = await once(dir, p.gateway(gwPort), bytes);
        const c = process.cpuUsage(c0);
        if (profiler) profiles[dir] = await profiler.stop();
        const cast = newestCast(recordingsDir);
        const size = cast ? statSync(cast).size : 0;
        if (cast) {
          unlinkSync(cast);
          rmSync(`${cast}.idx`, { force: true });
        }
        if (keep) {
          o.gateway.ms.push(ms);
          o.gateway.mbps.push(bytes / MiB / (ms / 1000));
          o.gateway.recordingBytes.push(size);
          o.gateway.cpuS.push((c.user + c.system) / 1e6);
          o.gateway.startRssMb.push(mb(m0.rss));
          o.gateway.peakRssMb.push(mb(peak));
          o.gateway.peakExternalMb.push(mb(peakExt));
          o.gateway.peakArrayBuffersMb.push(mb(peakAb));
        }
      } catch (e) {
        o.failures.push(`gateway: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        clearInterval(sampler);
      }
    };
    const baseRun = async (bytes: number, keep: boolean) => {
      try {
        const ms = await once(dir, p.baseline, bytes);
        if (keep) {
          o.sshJ.ms.push(ms);
          o.sshJ.mbps.push(bytes / MiB / (ms / 1000));
        }
      } catch (e) {
        o.failures.push(`ssh -J: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    await gwRun(WARM_BYTES, false);
    await baseRun(WARM_BYTES, false);
    for (let i = 0; i < BULK_REPS; i++) {
      if (performance.now() > phaseEnd) {
        o.failures.push(`time budget reached after ${i} repetitions`);
        break;
      }
      // Alternate which path goes first, so neither always follows the other.
      if (i % 2 === 0) {
        await gwRun(BULK_BYTES, true);
        await baseRun(BULK_BYTES, true);
      } else {
        await baseRun(BULK_BYTES, true);
        await gwRun(BULK_BYTES, true);
      }
    }
  }
  // Binary output (NUL bytes, random bytes): what it costs the recorder to keep bytes that are not
  // printable text (binary.ts).
  const binary = await binaryDownloads({
    ssh: SSH,
    gateway: p.gateway(gwPort),
    baseline: p.baseline,
    bytes: Math.min(BULK_BYTES, 32 * MiB),
    randomFile: files.remoteRandom,
    takeRecording: () => {
      const cast = newestCast(recordingsDir);
      const size = cast ? statSync(cast).size : 0;
      if (cast) {
        unlinkSync(cast);
        rmSync(`${cast}.idx`, { force: true });
      }
      return size;
    },
  });
  for (const b of binary) log(`  binary download (${b.kind}): ${JSON.stringify(b)}`);
  const summarise = (dir: Dir, setupP50: { gw: number; base: number }) => {
    const o = out[dir];
    const g = stats(o.gateway.mbps);
    const b = stats(o.sshJ.mbps);
    // "net": the same bytes over (wall − that path's median session set-up time).
    const net = (ms: number[], setup: number) =>
      stats(ms.map((x) => BULK_BYTES / MiB / ((x - setup) / 1000)));
    const gn = net(o.gateway.ms, setupP50.gw);
    const bn = net(o.sshJ.ms, setupP50.base);
    return {
      gatewayMBps: g,
      sshJMBps: b,
      ratio: ratio(g.p50, b.p50),
      gatewayNetMBps: gn,
      sshJNetMBps: bn,
      netRatio: ratio(gn.p50, bn.p50),
      gatewayWallMs: stats(o.gateway.ms),
      sshJWallMs: stats(o.sshJ.ms),
      recordedAs:
        dir === 'download' ? "'o' events (target stdout)" : "'i' events (operator stdin of an exec)",
      recordingMB: o.gateway.recordingBytes.map(mb),
      gatewayCpuSecondsPerRun: o.gateway.cpuS.map(r2),
      gatewayCpuSecondsPerGB: r2(stats(o.gateway.cpuS).p50 / (BULK_BYTES / (1024 * MiB))),
      gatewayStartRssMb: o.gateway.startRssMb,
      gatewayPeakRssMb: o.gateway.peakRssMb,
      gatewayPeakExternalMb: o.gateway.peakExternalMb,
      gatewayPeakArrayBuffersMb: o.gateway.peakArrayBuffersMb,
      failures: o.failures.slice(0, 5),
    };
  };
  return { summarise, binary };
}

interface Probe {
  seq: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Starts `node bin/custody.mjs --home H server --ssh-port 0` (the documented contract), preloaded
 * with heap-probe.mjs, and reads its `ssh listening on HOST:PORT` line. If this checkout's CLI has
 * no `server` command (it is defined in cli/commands/server.ts but main.ts does not register it),
 * it falls back to `custody --home H start` (same runServer) with `server.ssh_port` in the home's
 * custody.toml set to a free port, and says so.
 */
async function childGateway(home: string, work: string) {
  const probeFile = path.join(work, 'probe.json');
  const launch = async (cliArgs: string[]) => {
    const child = spawnOwned(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        path.join(REPOSITORY_ROOT, 'bench', 'gateway', 'heap-probe.mjs'),
        path.join(REPOSITORY_ROOT, 'bin', 'custody.mjs'),
        '--home',
        home,
        ...cliArgs,
      ],
      ['ignore', 'pipe', 'pipe'],
      { ...process.env, CUSTODY_BENCH_PROBE_FILE: probeFile },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /ssh listening on ([\d.]+):(\d+)/.exec(out);
        if (m) {
          clearInterval(timer);
          clearTimeout(limit);
          resolve(Number(m[2]));
        }
      }, 20);
      const limit = setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`gateway child did not print its port within 30 s: ${out.slice(-500)}`));
      }, 30_000);
      child.once('exit', (code) => {
        clearInterval(timer);
        clearTimeout(limit);
        reject(new Error(`gateway child exited (${code}): ${out.trim().slice(-500)}`));
      });
    });
    return { child, port, output: () => out };
  };
  let started: Awaited<ReturnType<typeof launch>>;
  let command = 'custody --home H server --ssh-port 0';
  let note: string | null = null;
  try {
    started = await launch(['server', '--ssh-port', '0']);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!/unknown command 'server'/.test(msg)) throw e;
    note = `\`custody server\` is not available (${msg.split('\n')[0]!.replace(/^gateway child exited \(\d+\): /, '')}); used \`custody start\` with server.ssh_port set to a free port`;
    log(`  ${note}`);
    const conf = path.join(home, 'conf', 'custody.toml');
    const port = await freePort();
    writeFileSync(
      conf,
      readFileSync(conf, 'utf8').replace(/(\[server\][\s\S]*?\n)ssh_port = [^\n]*/, `$1ssh_port = ${port}`),
    );
    command = `custody --home H start (server.ssh_port = ${port})`;
    started = await launch(['start']);
  }
  const { child, port } = started;
  let seq = 0;
  const probe = async (): Promise<Probe> => {
    const want = ++seq;
    process.kill(child.pid!, 'SIGUSR2');
    const until = performance.now() + 10_000;
    while (performance.now() < until) {
      await sleep(25);
      try {
        const p = JSON.parse(readFileSync(probeFile, 'utf8')) as Probe;
        if (p.seq === want) return p;
      } catch {
        // not written yet
      }
    }
    throw new Error('gateway child did not answer the memory probe');
  };
  return { child, port, probe, command, note };
}

/** Opens sessions until `target` are open (or failures/time stop it); returns why it stopped. */
async function rampTo(
  target: number,
  open: () => Promise<LoadSession>,
  deadline: number,
): Promise<{ stopped?: string; failures: string[]; seconds: number }> {
  const t0 = performance.now();
  const failures: string[] = [];
  let consecutive = 0;
  let stopped: string | undefined;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (!stopped && inFlight < OPEN_CONCURRENCY && loadSessions.length + inFlight < target) {
        if (performance.now() > deadline) {
          stopped = `time budget reached at ${loadSessions.length} sessions`;
          break;
        }
        inFlight++;
        open().then(
          (s) => {
            inFlight--;
            consecutive = 0;
            loadSessions.push(s);
            if (loadSessions.length % 100 === 0) log(`  ${loadSessions.length} sessions open`);
            pump();
          },
          (e: unknown) => {
            inFlight--;
            consecutive++;
            failures.push(e instanceof Error ? e.message : String(e));
            if (consecutive >= 10)
              stopped = `10 consecutive failures; last: ${failures[failures.length - 1]}`;
            else if (failures.length > Math.max(20, target * 0.05))
              stopped = `${failures.length} failures; last: ${failures[failures.length - 1]}`;
            pump();
          },
        );
      }
      if (inFlight === 0 && (stopped || loadSessions.length >= target)) resolve();
    };
    pump();
  });
  const distinct = [...new Set(failures.map((f) => f.slice(0, 160)))];
  return {
    ...(stopped ? { stopped } : {}),
    failures: distinct.slice(0, 5),
    seconds: r1((performance.now() - t0) / 1000),
  };
}

function openSessionsAlive(): number {
  return loadSessions.filter((s) => !s.closed).length;
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const skip = sshdSkipReason();
  if (skip) {
    log(`cannot run: ${skip}`);
    return 2;
  }
  testRun(); // the run's ledger: test users and sshd pids are removed even if this process dies
  const work = mkdtempSync(path.join(os.tmpdir(), 'custody-bench-gw-'));
  syncUndo.push(() => rmSync(work, { recursive: true, force: true }));

  log('setting up: 2 Linux users, 2 sshd on 127.0.0.1 (landing, target), a vault, the gateway');
  const landingUser: TestUser = createTestUser('bl', { withKey: true });
  undo.push({ what: 'remove landing user', fn: () => landingUser.remove() });
  const targetUser: TestUser = createTestUser('bt', { withKey: true });
  undo.push({ what: 'remove target user', fn: () => targetUser.remove() });
  // MaxStartups stays at startSshd's 100:30:200: the load generator keeps at most
  // OPEN_CONCURRENCY handshakes in flight. (sshd takes the FIRST value of a keyword, so extraConfig
  // could not raise it anyway.) MaxSessions does not matter: every gateway session is its own
  // connection to each sshd.
  const landing = await startSshd({ allowUsers: [landingUser.name] });
  undo.push({ what: 'stop landing sshd', fn: () => landing.stop() });
  const target = await startSshd({ allowUsers: [targetUser.name] });
  undo.push({ what: 'stop target sshd', fn: () => target.stop() });

  const keyL = path.join(work, 'landing_key');
  const keyT = path.join(work, 'target_key');
  writeFileSync(keyL, landingUser.privateKey!, { mode: 0o600 });
  writeFileSync(keyT, targetUser.privateKey!, { mode: 0o600 });
  const aliceKey = path.join(work, 'alice_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice-bench', '-f', aliceKey]);

  // The bulk payload: base64 text lines (what a terminal or a log tail carries), BULK_MB MB.
  log(`writing a ${BULK_MB} MB text payload (local and on the target)`);
  const payload = path.join(work, 'payload.txt');
  {
    const fd = openSync(payload, 'w');
    const block = Buffer.from(
      randomBytes(57 * 16384)
        .toString('base64')
        .replace(/(.{76})/g, '$1\n'),
    );
    let left = BULK_BYTES;
    while (left > 0) {
      const n = Math.min(left, block.length);
      writeFileSync(fd, block.subarray(0, n));
      left -= n;
    }
    closeSync(fd);
  }
  const payloadWarm = path.join(work, 'payload-warm.txt');
  writeFileSync(payloadWarm, readFileSync(payload).subarray(0, WARM_BYTES));
  const remotePayload = path.join(targetUser.home, 'payload.txt');
  execFileSync('cp', [payload, remotePayload]);
  const uid = Number(execFileSync('id', ['-u', targetUser.name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', targetUser.name], { encoding: 'utf8' }).trim());
  chownSync(remotePayload, uid, gid);
  const remoteRandom = path.join(targetUser.home, 'random.bin');
  writeFileSync(remoteRandom, randomBytes(Math.min(BULK_BYTES, 32 * MiB)));
  chownSync(remoteRandom, uid, gid);

  // The vault: target behind the landing server, keys vaulted as private-key accounts.
  // The ramps open hundreds of sessions from 127.0.0.1 at once; the front door's per-source
  // pre-authentication cap (10 by default, a defence against one address holding handshakes
  // open) would stop them at 10. Raised here because every client is the benchmark itself.
  const v: TestVault = await createTestVault({
    extraConfig: { gateway: { max_preauth_per_source: 2_000, max_preauth: 4_000 } },
  });
  syncUndo.push(() => rmSync(v.home, { recursive: true, force: true })); // on a signal
  let coreOpen = true;
  undo.push({
    what: 'remove vault home',
    fn: async () => {
      if (coreOpen) await v.core.close().catch(() => undefined);
      rmSync(v.home, { recursive: true, force: true });
    },
  });
  await v.core.resources.create(v.host, {
    name: 'landing01',
    type: 'linux',
    dnsName: '127.0.0.1',
    port: landing.port,
  });
  await v.core.accounts.add(
    v.host,
    'landing01',
    landingUser.name,
    Secret.fromString(landingUser.privateKey!),
    {
      credentialKind: 'private-key',
    },
  );
  await v.core.resources.create(v.host, {
    name: 'target01',
    type: 'linux',
    dnsName: '127.0.0.1',
    port: target.port,
  });
  await v.core.accounts.add(v.host, 'target01', targetUser.name, Secret.fromString(targetUser.privateKey!), {
    credentialKind: 'private-key',
  });
  await v.core.landing.add(v.host, { name: 'dmz', primary: `landing01/${landingUser.name}` });
  await v.core.landing.associate(v.host, 'dmz', 'target01');
  const alice = await v.addUser('alice', 'password-user');
  await v.core.credentials.addPublicKey(alice, 'alice', readFileSync(`${aliceKey}.pub`, 'utf8'));
  await v.core.sharing.grant(
    v.host,
    { kind: 'account', name: `target01/${targetUser.name}` },
    { kind: 'user', name: 'alice' },
    'view',
  );
  const hostKey = await ensureHostKey(path.join(v.home, 'keys', 'ssh_host_ed25519_key'));
  const settings = gatewaySettings(contextOf(v.core).config);
  let gw: RunningGateway | undefined = await startGateway({
    core: v.core,
    host: '127.0.0.1',
    port: 0,
    hostKey: hostKey.privateKey,
    settings,
    logger: silentLogger,
    // Same reason as the home's config above: the ramps are one source by design.
    door: { maxPerSource: 2_000, maxTotal: 4_000 },
  });
  undo.push({ what: 'close in-process gateway', fn: () => gw?.close() });
  const recordingsDir = path.join(v.home, 'recordings');

  // OpenSSH client configuration for both paths (-F is passed on to the ProxyJump ssh too).
  const cfg = path.join(work, 'ssh_config');
  writeFileSync(
    cfg,
    [
      'Host *',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  GlobalKnownHostsFile /dev/null',
      '  LogLevel ERROR',
      '  BatchMode yes',
      '  IdentitiesOnly yes',
      '  PreferredAuthentications publickey',
      '  ConnectTimeout 15',
      '  ControlMaster no',
      '  ControlPath none',
      '  UpdateHostKeys no',
      `Match user ${landingUser.name}`,
      `  IdentityFile ${keyL}`,
      `Match user ${targetUser.name}`,
      `  IdentityFile ${keyT}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // The same with the key exchange the gateway's ssh2 negotiates (OpenSSH 9.x prefers the
  // post-quantum sntrup761x25519, which ssh2 does not implement): isolates the kex cost.
  const cfgKex = path.join(work, 'ssh_config_curve25519');
  writeFileSync(
    cfgKex,
    readFileSync(cfg, 'utf8').replace('Host *\n', 'Host *\n  KexAlgorithms curve25519-sha256\n'),
    {
      mode: 0o600,
    },
  );
  const gatewayUser = `alice:${targetUser.name}@target01`;
  const p: PathArgs = {
    gateway: (port) => ['-F', cfg, '-i', aliceKey, '-p', String(port), `${gatewayUser}@127.0.0.1`],
    baseline: [
      '-F',
      cfg,
      '-J',
      `${landingUser.name}@127.0.0.1:${landing.port}`,
      '-p',
      String(target.port),
      `${targetUser.name}@127.0.0.1`,
    ],
    baselineSameKex: [
      '-F',
      cfgKex,
      '-J',
      `${landingUser.name}@127.0.0.1:${landing.port}`,
      '-p',
      String(target.port),
      `${targetUser.name}@127.0.0.1`,
    ],
  };
  const baselineCommand = `ssh -F CFG -J ${landingUser.name}@127.0.0.1:${landing.port} -p ${target.port} ${targetUser.name}@127.0.0.1`;

  // Sanity: both paths reach the target as the target user, and both go through the landing sshd.
  for (const [name, args] of [
    ['gateway', p.gateway(gw.port)],
    ['ssh -J', p.baseline],
  ] as const) {
    const before = acceptedCount(landing, landingUser.name);
    const r = await timedRun(SSH, [...args, 'id -un'], { timeoutMs: 30_000 });
    if (r.code !== 0 || r.stdout.trim() !== targetUser.name)
      throw new Error(
        `${name} path does not work: exit ${r.code}, out ${r.stdout.trim()}, err ${r.stderr.trim()}`,
      );
    await sleep(100);
    if (acceptedCount(landing, landingUser.name) !== before + 1)
      throw new Error(`${name} path did not log in to the landing sshd`);
  }
  const ciphers = {
    gateway: await negotiated(p.gateway(gw.port)),
    gatewayHops: await ssh2Defaults(landing.port, landingUser.name, Buffer.from(landingUser.privateKey!)),
    sshJ: await negotiated(p.baseline),
    sshJSameKex: await negotiated(p.baselineSameKex),
  };
  log(
    `both paths verified through the landing sshd (front-door cipher ${ciphers.gateway.join(',')}; ssh -J ${ciphers.sshJ.join(' + ')})`,
  );

  // ---- 3. session set-up
  const setup = await setupTimes(p, gw.port);
  log(`  set-up p50: gateway ${setup.gatewayMs.p50} ms, ssh -J ${setup.sshJMs.p50} ms`);

  // ---- 3b. sessions opened per second
  log(
    `sessions opened: ${OPEN_N} per path (gateway, ssh -J, ssh -J with curve25519), ${OPEN_CONCURRENCY} in flight`,
  );
  const opens = await openRate({
    ssh: SSH,
    gateway: p.gateway(gw.port),
    baseline: p.baseline,
    baselineSameKex: p.baselineSameKex,
    n: OPEN_N,
    concurrency: OPEN_CONCURRENCY,
  });
  log(
    `  per second: gateway ${opens.gateway.perSecond}, ssh -J ${opens.sshJ.perSecond} (${opens.ratio}×), ssh -J with curve25519 ${opens.sshJSameKex.perSecond} (${opens.ratioSameKex}×)`,
  );

  // ---- 2a. keystroke echo, one session each
  log(`keystroke echo: ${ECHO_WARMUP} warm-up + ${ECHO_SAMPLES} samples per path (one pty session each)`);
  const echoBudget = Math.max(10_000, Math.min(40_000, (remaining() - 120_000) / 2));
  const echoGw = await echoSeries(p.gateway(gw.port), {
    samples: ECHO_SAMPLES,
    warmup: ECHO_WARMUP,
    budgetMs: echoBudget,
  });
  const echoBase = await echoSeries(p.baseline, {
    samples: ECHO_SAMPLES,
    warmup: ECHO_WARMUP,
    budgetMs: echoBudget,
  });
  log(
    `  echo p50: gateway ${stats(echoGw.samplesMs).p50} ms, ssh -J ${stats(echoBase.samplesMs).p50} ms${echoGw.error ? ` (gateway: ${echoGw.error})` : ''}${echoBase.error ? ` (ssh -J: ${echoBase.error})` : ''}`,
  );

  // ---- 1. bulk
  const bulkSummary = await bulk(
    p,
    gw.port,
    { local: payload, localWarm: payloadWarm, remote: remotePayload, remoteRandom },
    recordingsDir,
  );
  const setupP50 = { gw: setup.gatewayMs.p50, base: setup.sshJMs.p50 };
  const bulkDown = bulkSummary.summarise('download', setupP50);
  const bulkUp = bulkSummary.summarise('upload', setupP50);
  log(`  download p50: gateway ${bulkDown.gatewayMBps.p50} MB/s, ssh -J ${bulkDown.sshJMBps.p50} MB/s`);
  log(`  upload   p50: gateway ${bulkUp.gatewayMBps.p50} MB/s, ssh -J ${bulkUp.sshJMBps.p50} MB/s`);
  rmSync(remotePayload, { force: true });
  rmSync(payload, { force: true });

  // ---- hand the home over to a gateway child process
  log('closing the in-process gateway and core; starting the gateway as a child process');
  await gw.close();
  gw = undefined;
  await v.core.close();
  coreOpen = false;
  const childGw = await childGateway(v.home, work);
  undo.push({ what: 'stop gateway child', fn: () => stopOwned(childGw.child, 10_000) });
  const gpid = childGw.child.pid!;
  const aliceKeyBuf = readFileSync(aliceKey);
  const open = () =>
    openLoadSession({
      port: childGw.port,
      username: gatewayUser,
      privateKey: aliceKeyBuf,
      timeoutMs: 30_000,
    });

  // Warm-up: a few sessions opened and closed, then one echo series at N = 0 (also the
  // apples-to-apples reference for the loaded run: same process layout).
  log('child gateway: warm-up (10 sessions opened and closed), echo at N = 0');
  const warm = await Promise.allSettled(Array.from({ length: 10 }, () => open()));
  for (const w of warm) if (w.status === 'fulfilled') w.value.close();
  const warmFailures = warm
    .filter((w) => w.status === 'rejected')
    .map((w) => String((w as PromiseRejectedResult).reason));
  if (warmFailures.length === warm.length) throw new Error(`child gateway sessions fail: ${warmFailures[0]}`);
  await sleep(2000);
  const echoChild0 = await echoSeries(p.gateway(childGw.port), {
    samples: ECHO_SAMPLES,
    warmup: ECHO_WARMUP,
    budgetMs: 30_000,
  });
  await sleep(1000);
  const before = await childGw.probe();
  const beforeRssNoGc = rssOf(gpid);
  const beforeFds = fdCount(gpid);
  log(`  before: RSS ${mb(before.rss)} MB, heap ${mb(before.heapUsed)} MB, ${beforeFds} fds`);

  // ---- 2b. echo with LOAD_N idle-ish sessions
  const reserve = 45_000; // teardown
  log(`opening ${LOAD_N} ssh2 pty sessions through the child gateway (${OPEN_CONCURRENCY} in flight)`);
  const cpu0 = cpuSecondsOf(gpid);
  const ramp1 = await rampTo(LOAD_N, open, began + BUDGET_MS - reserve - 60_000);
  const cpu1 = cpuSecondsOf(gpid);
  const n1 = loadSessions.length;
  log(`  ${n1} open in ${ramp1.seconds} s${ramp1.stopped ? ` (stopped: ${ramp1.stopped})` : ''}`);
  // Idle-ish: every session types one byte every ~10 s (random phase); `cat` echoes it.
  const typists: NodeJS.Timeout[] = [];
  for (const s of loadSessions) {
    const type = () => {
      if (!s.closed) s.stream.write('.');
    };
    typists.push(
      setTimeout(() => {
        type();
        typists.push(setInterval(type, 10_000));
      }, Math.random() * 10_000),
    );
  }
  await sleep(1000);
  const atLoad = await childGw.probe();
  const echoLoaded = await echoSeries(p.gateway(childGw.port), {
    samples: ECHO_SAMPLES,
    warmup: ECHO_WARMUP,
    budgetMs: 40_000,
  });
  for (const t of typists) clearTimeout(t);
  const aliveAtLoad = openSessionsAlive();
  log(
    `  echo with ${aliveAtLoad} sessions: p50 ${stats(echoLoaded.samplesMs).p50} ms, p99 ${stats(echoLoaded.samplesMs).p99} ms${echoLoaded.error ? ` (${echoLoaded.error})` : ''}`,
  );

  // ---- 4. memory with MEM_N idle sessions
  log(`opening up to ${MEM_N} sessions in total`);
  const cpu2 = cpuSecondsOf(gpid);
  const ramp2 = await rampTo(MEM_N, open, began + BUDGET_MS - reserve);
  const cpu3 = cpuSecondsOf(gpid);
  await sleep(2000);
  const nMem = openSessionsAlive();
  const after = await childGw.probe();
  const afterRssNoGc = rssOf(gpid);
  const afterFds = fdCount(gpid);
  log(`  ${nMem} open; RSS ${mb(after.rss)} MB, heap ${mb(after.heapUsed)} MB, ${afterFds} fds`);
  const perSession = (a: number, b: number, n: number) =>
    Math.round(((a - b) / MiB / (n || NaN)) * 1000) / 1000;
  const opened = loadSessions.length - n1;
  const memory = {
    sessions: nMem,
    goalSessions: MEM_N,
    stopped: ramp2.stopped ?? null,
    rampFailures: ramp2.failures,
    rampSeconds: ramp2.seconds,
    gatewayCpuMsPerSessionOpen: r1(((cpu3 - cpu2) * 1000) / (opened || NaN)),
    before: {
      rssMb: mb(before.rss),
      rssNoGcMb: mb(beforeRssNoGc),
      heapUsedMb: mb(before.heapUsed),
      externalMb: mb(before.external),
      fds: beforeFds,
    },
    after: {
      rssMb: mb(after.rss),
      rssNoGcMb: mb(afterRssNoGc),
      heapUsedMb: mb(after.heapUsed),
      externalMb: mb(after.external),
      fds: afterFds,
    },
    atLoadN: { sessions: aliveAtLoad, rssMb: mb(atLoad.rss), heapUsedMb: mb(atLoad.heapUsed) },
    rssMbPerSession: perSession(after.rss, before.rss, nMem),
    heapMbPerSession: perSession(after.heapUsed, before.heapUsed, nMem),
    externalMbPerSession: perSession(after.external, before.external, nMem),
    rssMbPerSessionAtLoadN: perSession(atLoad.rss, before.rss, aliveAtLoad),
    fdsPerSession: r2((afterFds - beforeFds) / (nMem || NaN)),
  };

  // ---- teardown of the load (the rest is undone by runUndo)
  log('closing the load sessions and stopping the gateway child');
  for (const s of loadSessions.splice(0)) s.client.destroy();
  await stopOwned(childGw.child, 10_000);

  const totalSeconds = r1(elapsed() / 1000);
  const result = {
    bench: 'gateway',
    at: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? '',
      node: process.version,
      openssh: sshVersion(),
    },
    topology: {
      gateway: `OpenSSH client → Custody gateway (127.0.0.1) → landing sshd :${landing.port} → target sshd :${target.port}`,
      baseline: baselineCommand,
      auth: 'publickey everywhere (gateway: Custody user key; hops: vaulted private-key accounts)',
      recording: `on, policy ${settings.recordingFailure}, under the vault home`,
      ciphers,
      sshdLimits: sshdEffective(target),
      gatewayChild: { command: childGw.command, note: childGw.note },
    },
    setupMs: setup,
    sessionsOpened: opens,
    echoMs: {
      single: {
        gateway: echoSummary(echoGw),
        sshJ: echoSummary(echoBase),
        ratioP50: ratio(stats(echoGw.samplesMs).p50, stats(echoBase.samplesMs).p50),
        ratioP99: ratio(stats(echoGw.samplesMs).p99, stats(echoBase.samplesMs).p99),
      },
      childGatewayIdle: echoSummary(echoChild0),
      childGatewayLoaded: {
        ...echoSummary(echoLoaded),
        concurrentSessions: aliveAtLoad,
        goalSessions: LOAD_N,
        stopped: ramp1.stopped ?? null,
        rampFailures: ramp1.failures,
        rampSeconds: ramp1.seconds,
        gatewayCpuMsPerSessionOpen: r1(((cpu1 - cpu0) * 1000) / (n1 || NaN)),
        ratioP50VsSshJ: ratio(stats(echoLoaded.samplesMs).p50, stats(echoBase.samplesMs).p50),
        ratioP99VsSshJ: ratio(stats(echoLoaded.samplesMs).p99, stats(echoBase.samplesMs).p99),
      },
    },
    bulk: {
      bytesPerRun: BULK_BYTES,
      reps: BULK_REPS,
      payload: 'base64 text lines (printable)',
      download: bulkDown,
      upload: bulkUp,
      binaryDownload: bulkSummary.binary,
    },
    memory,
    ...(CPU_PROF ? { cpuProfiles: profiles } : {}),
    totalSeconds,
  };
  printTable(result);
  for (const [dir, summary] of Object.entries(profiles))
    process.stdout.write(printProfile(`gateway during one ${dir}`, summary) + '\n\n');
  process.stdout.write(JSON.stringify(result) + '\n');
  const dir = path.join(REPOSITORY_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `gateway-${new Date().toISOString().slice(0, 10)}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${path.relative(REPOSITORY_ROOT, file)}`);
  return 0;
}

function sshVersion(): string {
  const r = spawnSync(SSH, ['-V'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim();
}

function fmt(s: Stats): string[] {
  return [String(s.n), s.p50.toFixed(2), s.p99.toFixed(2), s.min.toFixed(2), s.max.toFixed(2)];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function printTable(r: any): void {
  const rows: string[][] = [['measure', 'n', 'p50', 'p99', 'min', 'max', 'ratio p50 (p99)']];
  const add = (name: string, s: Stats, ratioText = '') => rows.push([name, ...fmt(s), ratioText]);
  const ratioOf = (a: Stats, b: Stats) =>
    `${ratio(a.p50, b.p50).toFixed(2)}× (${ratio(a.p99, b.p99).toFixed(2)}×)`;
  const e = r.echoMs;
  add('set-up ms: gateway', r.setupMs.gatewayMs, ratioOf(r.setupMs.gatewayMs, r.setupMs.sshJMs));
  add('set-up ms: ssh -J', r.setupMs.sshJMs);
  add('set-up ms: ssh -J, KexAlgorithms=curve25519', r.setupMs.sshJSameKexMs);
  rows.push([
    '  gateway vs ssh -J with the same kex',
    '',
    '',
    '',
    '',
    '',
    ratioOf(r.setupMs.gatewayMs, r.setupMs.sshJSameKexMs),
  ]);
  for (const ph of r.setupMs.gatewayPhasesMs)
    rows.push([`  gateway phase: ${ph.phase}`, String(ph.n), ph.p50Ms.toFixed(2), '', '', '', ph.covers]);
  add('echo ms: gateway (in-process), 1 session', e.single.gateway, ratioOf(e.single.gateway, e.single.sshJ));
  add('echo ms: ssh -J, 1 session', e.single.sshJ);
  add('echo ms: gateway (child), 1 session', e.childGatewayIdle, ratioOf(e.childGatewayIdle, e.single.sshJ));
  add(
    `echo ms: gateway (child), +${e.childGatewayLoaded.concurrentSessions} sessions`,
    e.childGatewayLoaded,
    ratioOf(e.childGatewayLoaded, e.single.sshJ),
  );
  for (const dir of ['download', 'upload'] as const) {
    const b = r.bulk[dir];
    add(`${dir} MB/s: gateway (wall)`, b.gatewayMBps, `${b.ratio.toFixed(2)}×`);
    add(`${dir} MB/s: ssh -J (wall)`, b.sshJMBps);
    add(`${dir} MB/s: gateway (net of set-up)`, b.gatewayNetMBps, `${b.netRatio.toFixed(2)}×`);
    add(`${dir} MB/s: ssh -J (net of set-up)`, b.sshJNetMBps);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
  const m = r.memory;
  const lines = [
    '',
    `Custody gateway benchmark — ${r.host.cpus} CPUs, Node ${r.host.node}, ${r.host.openssh}`,
    `gateway path: ${r.topology.gateway}`,
    `baseline:     ${r.topology.baseline}`,
    `kex/cipher:   gateway front door ${r.topology.ciphers.gateway.join(',')}, gateway hops (ssh2 defaults) ${r.topology.ciphers.gatewayHops.join(',')}; ssh -J ${r.topology.ciphers.sshJ.join(' + ')}`,
    '(ratio = gateway / ssh -J: for ms lower is better, for MB/s higher is better)',
    ...rows.map((x) => x.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')),
    '',
    `bulk: ${mb(r.bulk.bytesPerRun)} MB per run × ${r.bulk.reps}; download recorded as ${r.bulk.download.recordedAs} (${r.bulk.download.recordingMB.join(', ')} MB cast), upload as ${r.bulk.upload.recordedAs} (${r.bulk.upload.recordingMB.join(', ')} MB cast)`,
    `      gateway CPU s/run: download ${r.bulk.download.gatewayCpuSecondsPerRun.join(', ')}; upload ${r.bulk.upload.gatewayCpuSecondsPerRun.join(', ')}`,
    `      gateway RSS MB start → peak: download ${r.bulk.download.gatewayStartRssMb.map((x: number, i: number) => `${x}→${r.bulk.download.gatewayPeakRssMb[i]}`).join(', ')}; upload ${r.bulk.upload.gatewayStartRssMb.map((x: number, i: number) => `${x}→${r.bulk.upload.gatewayPeakRssMb[i]}`).join(', ')}`,
    `      gateway peak Buffer (external) MB: download ${r.bulk.download.gatewayPeakExternalMb.join(', ')}; upload ${r.bulk.upload.gatewayPeakExternalMb.join(', ')}`,
    `      gateway peak ArrayBuffers MB: download ${r.bulk.download.gatewayPeakArrayBuffersMb.join(', ')}; upload ${r.bulk.upload.gatewayPeakArrayBuffersMb.join(', ')}`,
    `      gateway CPU s per GB (p50): download ${r.bulk.download.gatewayCpuSecondsPerGB}; upload ${r.bulk.upload.gatewayCpuSecondsPerGB}`,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ...r.bulk.binaryDownload.map((b: any) =>
      'error' in b
        ? `      binary download (${b.kind}): ${b.error}`
        : `      binary download (${b.kind}), ${mb(b.bytes)} MB: gateway ${b.gatewayMBps} MB/s vs ssh -J ${b.sshJMBps} MB/s = ${b.ratio.toFixed(2)}×; recording ${b.recordingMB} MB = ${b.inflation}× the bytes; gateway CPU ${b.gatewayCpuSecondsPerGB} s/GB; peak RSS ${b.peak.rssMb} MB, external ${b.peak.externalMb} MB (ArrayBuffers ${b.peak.arrayBuffersMb} MB)`,
    ),
    `set-up: gateway CPU ${r.setupMs.gatewayCpuMsPerSession} ms per session (in-process)`,
    `opened: ${r.sessionsOpened.n} sessions per path, ${r.sessionsOpened.concurrency} in flight: gateway ${r.sessionsOpened.gateway.perSecond}/s (${r.sessionsOpened.gateway.seconds} s), ssh -J ${r.sessionsOpened.sshJ.perSecond}/s = ${r.sessionsOpened.ratio.toFixed(2)}×, ssh -J with curve25519 ${r.sessionsOpened.sshJSameKex.perSecond}/s = ${r.sessionsOpened.ratioSameKex.toFixed(2)}×; gateway CPU ${r.sessionsOpened.gatewayCpuMsPerSession} ms/session${r.sessionsOpened.gateway.failed + r.sessionsOpened.sshJ.failed ? `; failed: gateway ${r.sessionsOpened.gateway.failed}, ssh -J ${r.sessionsOpened.sshJ.failed} (${r.sessionsOpened.gateway.firstFailure ?? r.sessionsOpened.sshJ.firstFailure})` : ''}`,
    `load:   ${e.childGatewayLoaded.concurrentSessions}/${e.childGatewayLoaded.goalSessions} sessions opened in ${e.childGatewayLoaded.rampSeconds} s (gateway CPU ${e.childGatewayLoaded.gatewayCpuMsPerSessionOpen} ms/session)${e.childGatewayLoaded.stopped ? `; stopped: ${e.childGatewayLoaded.stopped}` : ''}`,
    `memory: ${m.sessions}/${m.goalSessions} idle sessions; RSS ${m.before.rssMb} → ${m.after.rssMb} MB = ${m.rssMbPerSession} MB/session (goal ≤ 0.5); heap ${m.before.heapUsedMb} → ${m.after.heapUsedMb} MB = ${m.heapMbPerSession} MB/session; external ${m.externalMbPerSession} MB/session; ${m.fdsPerSession} fds/session${m.stopped ? `; stopped: ${m.stopped}` : ''}`,
    `        at ${m.atLoadN.sessions} sessions: RSS ${m.atLoadN.rssMb} MB = ${m.rssMbPerSessionAtLoadN} MB/session`,
    `total ${r.totalSeconds} s`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

let code = 1;
try {
  code = await main();
} catch (e) {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  code = 1;
} finally {
  log('cleaning up');
  await runUndo();
}
process.exit(code);
