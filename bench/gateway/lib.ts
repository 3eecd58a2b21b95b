// Helpers of the gateway benchmark (bench/gateway/run.ts): statistics, tracked child processes
// (every one is killed by pid on exit, also on error or a signal), timed OpenSSH client runs, the
// keystroke-echo probe, and the ssh2 load sessions. Not product code; never imported by it.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import ssh2 from 'ssh2';
import { processTree } from '../../test/support/netns.ts';

export const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// statistics

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Stats {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    min: r3(s[0] ?? NaN),
    p50: r3(percentile(s, 50)),
    p90: r3(percentile(s, 90)),
    p99: r3(percentile(s, 99)),
    max: r3(s[s.length - 1] ?? NaN),
    mean: r3(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

export const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

// ---------------------------------------------------------------------------------------------
// tracked processes

const live = new Set<ChildProcess>();

/** Spawns a process the benchmark owns: killed (with its descendants) by killTracked(). */
export function spawnOwned(cmd: string, args: string[], stdio: StdioOptions, env?: NodeJS.ProcessEnv) {
  const child = spawn(cmd, args, { stdio, env: env ?? process.env });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** SIGKILLs every process the benchmark started that is still running (and their children). */
export function killTracked(): void {
  for (const child of live) {
    if (!child.pid) continue;
    for (const pid of processTree(child.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  live.clear();
}

/** Ends one owned process: SIGTERM, then SIGKILL of its tree after `graceMs`. */
export async function stopOwned(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const pid of processTree(child.pid!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export interface TimedRun {
  code: number;
  ms: number;
  stderr: string;
  stdout: string;
}

/**
 * Runs a command to completion and times it from spawn to exit. stdin/stdout may be file
 * descriptors (a payload file, /dev/null) so no byte of a bulk transfer passes through this
 * process (which, in the in-process phases, is also the gateway's).
 */
export function timedRun(
  cmd: string,
  args: string[],
  o: { stdin?: number | 'ignore'; stdout?: number | 'pipe'; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<TimedRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawnOwned(cmd, args, [o.stdin ?? 'ignore', o.stdout ?? 'pipe', 'pipe'], o.env);
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.stdout?.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${o.timeoutMs} ms`;
      if (child.pid) for (const pid of processTree(child.pid)) process.kill(pid, 'SIGKILL');
    }, o.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, ms: performance.now() - t0, stderr: String(e), stdout });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), ms: performance.now() - t0, stderr, stdout });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// keystroke echo through a real OpenSSH client with a pty on the target

/** Typed into the target's bash: raw mode, no pty echo, then `cat` echoes each byte itself. */
export const CAT_RAW = 'stty raw -echo; echo RE$((40+2))DY; exec cat\n';
const CAT_READY = /RE42DY/;

export interface EchoResult {
  samplesMs: number[];
  warmup: number;
  error?: string;
  /** From spawning ssh until `cat` runs on the target (connect, auth, shell, stty). */
  readyMs: number;
}

/**
 * `ssh -tt ARGS…` (stdin a pipe, so the local side is not put in raw mode and forwards each byte
 * as written), types CAT_RAW, then `warmup + samples` times: write one byte, time until that byte
 * is echoed back. Bounded by `budgetMs` and a per-sample timeout.
 */
export async function echoSeries(
  args: string[],
  o: { samples: number; warmup: number; budgetMs: number; sampleTimeoutMs?: number },
): Promise<EchoResult> {
  const t0 = performance.now();
  const child = spawnOwned('/usr/bin/ssh', ['-tt', ...args], ['pipe', 'pipe', 'pipe']);
  let text = '';
  let waiter: { test: (s: string) => boolean; resolve: () => void } | undefined;
  const onData = (d: Buffer) => {
    text += d.toString('latin1');
    if (text.length > 8192) text = text.slice(-4096);
    if (waiter && waiter.test(text)) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number>((r) => child.once('exit', (c) => r(c ?? 255)));
  const waitFor = (test: (s: string) => boolean, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (test(text)) return resolve(true);
      const timer = setTimeout(() => {
        waiter = undefined;
        resolve(false);
      }, ms);
      waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
    });
  const samplesMs: number[] = [];
  let error: string | undefined;
  let readyMs = NaN;
  try {
    // The shell prompt ends with "$ " (Debian's default PS1); then switch the pty to raw + cat.
    if (!(await waitFor((s) => /\$ $/.test(s), 20_000)))
      throw new Error(`no shell prompt: ${JSON.stringify(text.slice(-300))}`);
    text = '';
    child.stdin!.write(CAT_RAW);
    if (!(await waitFor((s) => CAT_READY.test(s), 10_000)))
      throw new Error(`cat did not start: ${JSON.stringify(text.slice(-300))}`);
    readyMs = performance.now() - t0;
    await sleep(50);
    const began = performance.now();
    const total = o.warmup + o.samples;
    for (let i = 0; i < total; i++) {
      if (performance.now() - began > o.budgetMs) {
        error = `time budget of ${o.budgetMs} ms spent after ${samplesMs.length} samples`;
        break;
      }
      const ch = String.fromCharCode(97 + (i % 26));
      text = '';
      const s0 = performance.now();
      child.stdin!.write(ch);
      const ok = await waitFor((s) => s.includes(ch), o.sampleTimeoutMs ?? 3000);
      const ms = performance.now() - s0;
      if (!ok) throw new Error(`no echo of '${ch}' within ${o.sampleTimeoutMs ?? 3000} ms`);
      if (i >= o.warmup) samplesMs.push(ms);
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
  return { samplesMs, warmup: o.warmup, readyMs, ...(error ? { error } : {}) };
}

// ---------------------------------------------------------------------------------------------
// ssh2 load sessions: an interactive pty shell through the gateway, `cat` running on the target

export interface LoadSession {
  client: ssh2.Client;
  stream: ssh2.ClientChannel;
  closed: boolean;
  close(): void;
}

export function openLoadSession(o: {
  port: number;
  username: string;
  privateKey: Buffer;
  timeoutMs: number;
}): Promise<LoadSession> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let text = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.on('error', () => {});
      client.end();
      client.destroy();
      reject(new Error(why));
    };
    const timer = setTimeout(
      () => fail(`not ready within ${o.timeoutMs} ms: ${JSON.stringify(text.slice(-200))}`),
      o.timeoutMs,
    );
    client.on('error', (e) => fail(`client error: ${e.message}`));
    client.once('close', () => fail(`connection closed: ${JSON.stringify(text.slice(-200))}`));
    client.once('ready', () => {
      client.shell({ term: 'xterm-256color', cols: 80, rows: 24 }, (err, stream) => {
        if (err) return fail(`shell refused: ${err.message}`);
        const session: LoadSession = {
          client,
          stream,
          closed: false,
          close() {
            if (session.closed) return;
            session.closed = true;
            client.end();
          },
        };
        stream.on('error', () => {});
        stream.once('close', () => {
          session.closed = true;
          if (!settled) fail(`shell closed: ${JSON.stringify(text.slice(-200))}`);
        });
        const collect = (d: Buffer) => {
          if (settled) return;
          text = (text + d.toString('latin1')).slice(-1000);
          if (/\$ $/.test(text)) {
            settled = true;
            clearTimeout(timer);
            stream.off('data', collect);
            stream.stderr.off('data', collect);
            stream.resume(); // keep draining whatever the target sends (echoes, nothing else)
            stream.write('exec cat\n');
            resolve(session);
          }
        };
        stream.on('data', collect);
        stream.stderr.on('data', collect);
      });
    });
    client.connect({
      host: '127.0.0.1',
      port: o.port,
      username: o.username,
      privateKey: o.privateKey,
      readyTimeout: o.timeoutMs,
      keepaliveInterval: 0,
    });
  });
}

/** Bytes of RSS of a process (VmRSS), or NaN when it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}
