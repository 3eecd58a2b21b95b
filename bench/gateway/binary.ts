// Binary downloads through both paths (`head -c N` of /dev/zero, then of random bytes, on the
// target): what a database dump or a tarball looks like to the recorder. The gateway's CPU time and
// peak memory (RSS, Buffer memory outside the V8 heap and the ArrayBuffers among it) are sampled
// while it runs in this process; the recording's size shows what storing it costs. Not product code.
import { performance } from 'node:perf_hooks';
import { ratio, timedRun } from './lib.ts';

const MiB = 1024 * 1024;
const r2 = (x: number) => Math.round(x * 100) / 100;
const mb = (bytes: number) => r2(bytes / MiB);

export interface BinaryRun {
  kind: string;
  bytes: number;
  gatewayMBps: number;
  sshJMBps: number;
  ratio: number;
  recordingMB: number;
  /** Recording bytes over bytes sent. */
  inflation: number;
  gatewayCpuSecondsPerGB: number;
  peak: { rssMb: number; externalMb: number; arrayBuffersMb: number };
}

/** Samples this process's memory every 50 ms until stopped; returns the peaks. */
export function memoryPeaks(): () => BinaryRun['peak'] {
  const m0 = process.memoryUsage();
  const peak = { rss: m0.rss, external: m0.external, arrayBuffers: m0.arrayBuffers };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.external = Math.max(peak.external, m.external);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  const timer = setInterval(sample, 50);
  return () => {
    clearInterval(timer);
    sample();
    return { rssMb: mb(peak.rss), externalMb: mb(peak.external), arrayBuffersMb: mb(peak.arrayBuffers) };
  };
}

export async function binaryDownloads(o: {
  ssh: string;
  gateway: string[];
  baseline: string[];
  bytes: number;
  /** A file of random bytes on the target, at least `bytes` long. */
  randomFile: string;
  /** Size of the newest recording, and removes it (the caller knows where recordings go). */
  takeRecording: () => number;
}): Promise<(BinaryRun | { kind: string; error: string })[]> {
  const out: (BinaryRun | { kind: string; error: string })[] = [];
  for (const [kind, source] of [
    ['NUL bytes', '/dev/zero'],
    ['random bytes', o.randomFile],
  ] as const) {
    const cmd = `head -c ${o.bytes} ${source}`;
    const run = (args: string[]) =>
      timedRun('sh', ['-c', `"$@" | wc -c`, 'sh', o.ssh, ...args, cmd], { timeoutMs: 180_000 });
    const stop = memoryPeaks();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const g = await run(o.gateway);
    const gMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const peak = stop();
    const size = o.takeRecording();
    const b = await run(o.baseline);
    if (Number(g.stdout.trim()) !== o.bytes || Number(b.stdout.trim()) !== o.bytes) {
      out.push({
        kind,
        error: `gateway got ${g.stdout.trim()}, ssh -J got ${b.stdout.trim()} of ${o.bytes}: ${g.stderr.trim().slice(0, 200)}`,
      });
      continue;
    }
    const gatewayMBps = r2(o.bytes / MiB / (gMs / 1000));
    const sshJMBps = r2(o.bytes / MiB / (b.ms / 1000));
    out.push({
      kind,
      bytes: o.bytes,
      gatewayMBps,
      sshJMBps,
      ratio: ratio(gatewayMBps, sshJMBps),
      recordingMB: mb(size),
      inflation: r2(size / o.bytes),
      gatewayCpuSecondsPerGB: r2((c.user + c.system) / 1e6 / (o.bytes / (1024 * MiB))),
      peak,
    });
  }
  return out;
}
