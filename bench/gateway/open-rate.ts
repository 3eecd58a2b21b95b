// Sessions opened per second, gateway vs `ssh -J`, measured in one run: N OpenSSH clients per path
// (`ssh … true`: connect, authenticate, run a command, exit), at most `concurrency` in flight, the
// paths one after the other (gateway, `ssh -J`, `ssh -J` with the gateway's key exchange). The
// gateway runs in this process, so this process's CPU time over the gateway's batch, less its CPU
// time over the `ssh -J` batch (spawning and reaping the clients costs the same on both paths), is
// what the gateway spent. Not product code.
import { performance } from 'node:perf_hooks';
import { ratio, timedRun } from './lib.ts';

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export interface OpenBatch {
  sessions: number;
  failed: number;
  seconds: number;
  perSecond: number;
  /** This process's CPU time per session over the batch (ms). */
  cpuMsPerSession: number;
  firstFailure?: string;
}

export interface OpenRate {
  n: number;
  concurrency: number;
  gateway: OpenBatch;
  sshJ: OpenBatch;
  sshJSameKex: OpenBatch;
  /** Gateway sessions per second ÷ `ssh -J`'s (higher is better for the gateway). */
  ratio: number;
  ratioSameKex: number;
  /** The gateway's CPU per session: the gateway batch's CPU less the `ssh -J` batch's (ms). */
  gatewayCpuMsPerSession: number;
}

async function batch(ssh: string, args: string[], n: number, concurrency: number): Promise<OpenBatch> {
  let started = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (started < n) {
      started++;
      const r = await timedRun(ssh, [...args, 'true'], { timeoutMs: 60_000 });
      if (r.code !== 0) {
        failed++;
        firstFailure ??= `exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return {
    sessions: n - failed,
    failed,
    seconds: r2(seconds),
    perSecond: r1((n - failed) / seconds),
    cpuMsPerSession: r1((c.user + c.system) / 1000 / n),
    ...(firstFailure ? { firstFailure } : {}),
  };
}

export async function openRate(o: {
  ssh: string;
  gateway: string[];
  baseline: string[];
  baselineSameKex: string[];
  n: number;
  concurrency: number;
}): Promise<OpenRate> {
  // A short warm-up of each path (the first sessions pay for JIT and caches), not counted.
  for (const args of [o.gateway, o.baseline, o.baselineSameKex]) await batch(o.ssh, args, 4, 4);
  const gateway = await batch(o.ssh, o.gateway, o.n, o.concurrency);
  const sshJ = await batch(o.ssh, o.baseline, o.n, o.concurrency);
  const sshJSameKex = await batch(o.ssh, o.baselineSameKex, o.n, o.concurrency);
  return {
    n: o.n,
    concurrency: o.concurrency,
    gateway,
    sshJ,
    sshJSameKex,
    ratio: ratio(gateway.perSecond, sshJ.perSecond),
    ratioSameKex: ratio(gateway.perSecond, sshJSameKex.perSecond),
    gatewayCpuMsPerSession: r1(gateway.cpuMsPerSession - sshJ.cpuMsPerSession),
  };
}
