// What the machine and the runtime cost during a reveal series (not a test), so a reveal's tail
// can be read against them: a trivial round trip through the store's own knex client and SQLite
// connection (`select 1`: the pool, the driver's thread-pool hop and back, no table touched), one
// `await setImmediate()` (a turn of the event loop, no I/O), the event loop's delay histogram, the
// garbage collector's pauses, and per sample the process's CPU time and how long its threads sat
// runnable waiting for a core (the kernel's per-thread run-queue delay, /proc/self/task/*/schedstat).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { stats, type SampleStats } from './stats.ts';

interface KnexClient {
  raw(sql: string): PromiseLike<unknown>;
}
interface KnexClientClass {
  prototype: { acquireConnection(this: KnexClient): Promise<unknown> };
}

let client: KnexClient | undefined;

/**
 * Remembers the knex client that last took a connection (called before the vault opens, this is
 * the store's: the benchmark opens no other), so `selectOneMs` right after a reveal runs on the
 * same pool and the same SQLite connection.
 */
export function watchKnexClient(): void {
  const Client = createRequire(import.meta.url)('knex/lib/client.js') as KnexClientClass;
  const acquire = Client.prototype.acquireConnection;
  Client.prototype.acquireConnection = function (this: KnexClient) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the client is what is being captured
    client = this;
    return acquire.call(this);
  };
}

export async function selectOneMs(): Promise<number> {
  if (!client) throw new Error('no knex client seen yet: call watchKnexClient before the store is used');
  const t0 = performance.now();
  await client.raw('select 1');
  return performance.now() - t0;
}

export async function nextTurnMs(): Promise<number> {
  const t0 = performance.now();
  await nextTurn();
  return performance.now() - t0;
}

/** Each thread's schedstat: nanoseconds on a core, nanoseconds runnable waiting for one, slices. */
function schedstat(tid: string): [number, number, number] | undefined {
  try {
    const [run, wait, slices] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return [run!, wait!, slices!];
  } catch {
    return undefined; // the thread ended, or the kernel keeps no schedstat
  }
}

/** The main thread and the thread-pool threads the SQLite driver runs statements on. */
let criticalThreads: string[] = [];

/**
 * Finds the threads a query's critical path runs on: the main thread, and the thread-pool threads
 * that are scheduled over a burst of `select 1` (the driver prepares and steps each statement on
 * the pool). V8's own helper threads (concurrent marking, compilation) barely run meanwhile and
 * are left out, so their waits are not counted against a reveal.
 */
export async function findCriticalThreads(): Promise<string[]> {
  const tids = () => {
    try {
      return readdirSync('/proc/self/task');
    } catch {
      return [];
    }
  };
  const before = new Map(tids().map((t) => [t, schedstat(t)?.[2] ?? 0]));
  const calls = 200;
  for (let i = 0; i < calls; i++) await selectOneMs();
  const main = String(process.pid);
  criticalThreads = tids().filter((t) => {
    const now = schedstat(t)?.[2];
    return t === main || (now !== undefined && now - (before.get(t) ?? 0) >= calls / 10);
  });
  return criticalThreads;
}

/**
 * Nanoseconds the critical threads have spent runnable but waiting for a core, or NaN where the
 * kernel does not keep it. A query hands over between the main thread and a pool thread, one of
 * them running at a time, so the growth of the sum over a reveal is the time it waited to be
 * scheduled.
 */
function runQueueWaitNs(): number {
  if (!criticalThreads.length) return NaN;
  let total = 0;
  for (const tid of criticalThreads) total += schedstat(tid)?.[1] ?? 0;
  return total;
}

/** One timed operation: its wall time, and what the process did and suffered meanwhile. */
export interface Timed {
  startedAt: number;
  ms: number;
  /** User + system CPU of the whole process (every thread: main, the driver's pool, GC helpers). */
  cpuMs: number;
  /** Time its threads waited for a core (read just outside the timed window). */
  runQueueMs: number;
}

export async function timed<T>(op: () => Promise<T>): Promise<{ value: T; sample: Timed }> {
  const q0 = runQueueWaitNs();
  const r0 = process.cpuUsage();
  const startedAt = performance.now();
  const value = await op();
  const ms = performance.now() - startedAt;
  const cpu = process.cpuUsage(r0);
  const q1 = runQueueWaitNs();
  return {
    value,
    sample: { startedAt, ms, cpuMs: (cpu.user + cpu.system) / 1000, runQueueMs: (q1 - q0) / 1e6 },
  };
}

interface GcPause {
  startedAt: number;
  ms: number;
  major: boolean;
}

/** Watches the event loop and the collector while a series runs. */
export function watchRuntime() {
  const pauses: GcPause[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      // kind 1 is a scavenge of the young generation; anything else (mark-sweep-compact,
      // incremental marking, weak callbacks) counts as major.
      pauses.push({ startedAt: e.startTime, ms: e.duration, major: kind !== 1 });
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  return {
    async stop() {
      loop.disable();
      // GC entries are delivered after the fact: let the observer's queue run once.
      await nextTurn();
      gc.disconnect();
      return {
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        pauses,
      };
    },
  };
}

/** Milliseconds of GC pause that fall inside one sample. */
export function gcOverlapMs(s: Timed, pauses: GcPause[]): number {
  const end = s.startedAt + s.ms;
  let ms = 0;
  for (const p of pauses) {
    const from = Math.max(s.startedAt, p.startedAt);
    const to = Math.min(end, p.startedAt + p.ms);
    if (to > from) ms += to - from;
  }
  return ms;
}

export interface SeriesBaseline {
  selectOne: SampleStats;
  nextTurn: SampleStats;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gc: { pauses: number; totalMs: number; majorPauses: number; majorMs: number; maxMs: number };
  /** The slowest 1 % of the reveals, and where their time beyond the median went. */
  tail: {
    n: number;
    fromMs: number;
    meanMs: number;
    meanCpuMs: number;
    meanGcMs: number;
    meanRunQueueMs: number;
    /**
     * Of the tail's time above the series' median: inside GC pauses, waiting for a core, and the
     * rest (blocked in the kernel, the commit's fsync among it, or more work).
     */
    excessMs: number;
    excessInGcMs: number;
    excessRunQueueMs: number;
    excessRestMs: number;
  };
  /** The whole series, the same split (for comparison with the tail). */
  all: { meanMs: number; meanCpuMs: number; meanGcMs: number; meanRunQueueMs: number };
  /**
   * An estimate: the reveals' percentiles with each one's wait for a core taken out, and with its
   * GC pauses taken out as well. Several threads can wait at once, so the wait can be counted
   * high and these figures low: read them as what the code costs on a machine with a free core.
   */
  withoutWait: SampleStats;
  withoutWaitOrGc: SampleStats;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function baselineOf(
  reveals: Timed[],
  selectOne: number[],
  turns: number[],
  runtime: Awaited<ReturnType<ReturnType<typeof watchRuntime>['stop']>>,
): SeriesBaseline {
  const { pauses } = runtime;
  const median = stats(reveals.map((s) => s.ms)).p50;
  const slowest = [...reveals]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, Math.max(1, Math.ceil(reveals.length / 100)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  const split = (xs: Timed[]) => ({
    meanMs: r3(mean(xs.map((s) => s.ms))),
    meanCpuMs: r3(mean(xs.map((s) => s.cpuMs))),
    meanGcMs: r3(mean(xs.map((s) => gcOverlapMs(s, pauses)))),
    meanRunQueueMs: r3(mean(xs.map((s) => s.runQueueMs))),
  });
  // Above the median a slow reveal either paused for the collector, waited for a core, or was
  // blocked (I/O) or did more: each sample's excess is split in that order, never beyond itself.
  const excess = slowest.map((s) => s.ms - median);
  const inGc = slowest.map((s, i) => Math.min(excess[i]!, gcOverlapMs(s, pauses)));
  const inQueue = slowest.map((s, i) => Math.min(excess[i]! - inGc[i]!, s.runQueueMs));
  const major = pauses.filter((p) => p.major);
  return {
    selectOne: stats(selectOne),
    nextTurn: stats(turns),
    loopDelayP99Ms: r3(runtime.loopDelayP99Ms),
    loopDelayMaxMs: r3(runtime.loopDelayMaxMs),
    gc: {
      pauses: pauses.length,
      totalMs: r3(pauses.reduce((a, p) => a + p.ms, 0)),
      majorPauses: major.length,
      majorMs: r3(major.reduce((a, p) => a + p.ms, 0)),
      maxMs: r3(Math.max(0, ...pauses.map((p) => p.ms))),
    },
    tail: {
      n: slowest.length,
      fromMs: r3(slowest.at(-1)!.ms),
      ...split(slowest),
      excessMs: r3(mean(excess)),
      excessInGcMs: r3(mean(inGc)),
      excessRunQueueMs: r3(mean(inQueue)),
      excessRestMs: r3(mean(excess.map((x, i) => x - inGc[i]! - inQueue[i]!))),
    },
    all: split(reveals),
    withoutWait: stats(reveals.map((s) => s.ms - Math.min(s.ms, s.runQueueMs))),
    withoutWaitOrGc: stats(
      reveals.map((s) => Math.max(0, s.ms - Math.min(s.ms, s.runQueueMs) - gcOverlapMs(s, pauses))),
    ),
  };
}
