// Per-run network topologies for hop tests, so that a target is reachable only through its landing
// servers, as on a real network:
//
//   root namespace (the gateway) ──veth── ns "dmz" ──veth── ns "dc" …
//
// - Every run claims one /24 of 198.18.0.0/15 by adding `unreachable 198.18.N.0/24` in the root
//   namespace (the claim is atomic: the route add fails if another run holds that block). Each
//   link gets a /29 of that block; the root namespace only has routes for its own links, so any
//   other test address fails at once with EHOSTUNREACH and no packet ever leaves the machine.
// - Namespaces get loopback up and no default route; names carry a unique per-run prefix.
// - Everything made (namespaces, links, routes, daemons, Linux users) is written to a ledger file
//   under /run/custody-testbed, removed by `destroy()` (idempotent, also run on process exit) and,
//   should a run be killed outright, swept by the next run once its owner pid is gone.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { processAlive } from './process-alive.ts';
import { sweepDeadXDisplays } from './x-locks.ts';

export const NETNS_SKIP_REASON = 'skipped: network namespaces unavailable (needs root and iproute2)';

const LEDGER_DIR = '/run/custody-testbed';

/** Null when namespaces can be made here; otherwise the skip reason. */
export function netnsSkipReason(): string | null {
  if (process.getuid?.() !== 0) return NETNS_SKIP_REASON;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return null;
  } catch {
    return NETNS_SKIP_REASON;
  }
}

function run(cmd: string, args: string[], input?: string): string {
  // Bounded: a synchronous call that never returns blocks the worker, and no vitest time-out fires.
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    input,
    timeout: 30_000,
  });
}

function tryRun(cmd: string, args: string[]): boolean {
  try {
    run(cmd, args);
    return true;
  } catch {
    return false;
  }
}

/** pid and every descendant (read from /proc), children first. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) walk(c);
    out.push(p);
  };
  walk(pid);
  return out;
}

/** Kills exactly these pids (SIGKILL: test daemons hold nothing worth a graceful stop). */
export function killPids(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function pidsInNamespace(ns: string): number[] {
  try {
    return run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function pidsOfUser(user: string): number[] {
  try {
    return run('ps', ['-o', 'pid=', '-u', user]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Start time of a process (clock ticks since boot), to tell it from a later one with the same pid. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

interface Ledger {
  owner: number;
  ownerStart: string | null;
  prefix: string;
  /** Daemons started, with their start times (a reused pid is never killed). */
  pids: Array<{ pid: number; start: string | null }>;
  namespaces: string[];
  links: string[];
  routes: string[];
  users: string[];
}

function cleanLedger(l: Ledger): void {
  for (const { pid, start } of l.pids) if (start && startTime(pid) === start) killPids(processTree(pid));
  for (const ns of l.namespaces) killPids(pidsInNamespace(ns));
  for (const u of l.users) {
    killPids(pidsOfUser(u));
    tryRun('userdel', ['-r', '-f', u]);
  }
  for (const ns of l.namespaces) tryRun('ip', ['netns', 'del', ns]);
  for (const link of l.links) tryRun('ip', ['link', 'del', link]);
  for (const r of l.routes) tryRun('ip', ['route', 'del', 'unreachable', r]);
}

/** Removes what runs that were killed outright left behind (their owner pid is gone). */
export function sweepStaleTestbeds(): void {
  sweepDeadXDisplays();
  if (!existsSync(LEDGER_DIR)) return;
  for (const f of readdirSync(LEDGER_DIR)) {
    const file = path.join(LEDGER_DIR, f);
    try {
      const l = JSON.parse(readFileSync(file, 'utf8')) as Ledger;
      if (processAlive(l.owner) && startTime(l.owner) === l.ownerStart) continue;
      cleanLedger(l);
      rmSync(file, { force: true });
    } catch {
      // unreadable: leave it
    }
  }
}

/**
 * The process-wide test run: its unique prefix and the ledger of everything it made. One per
 * process (vitest runs each test file in its own fork).
 */
export interface TestRun {
  /** `cu` + pid%1000 (3 digits) + two random hex digits, e.g. `cu0427f`. */
  readonly prefix: string;
  trackPid(pid: number): void;
  untrackPid(pid: number): void;
  trackNamespace(ns: string): void;
  trackLink(link: string): void;
  trackRoute(route: string): void;
  trackUser(user: string): void;
  /** Removes everything tracked so far (kills daemons, deletes users, namespaces, links, routes). */
  cleanup(): void;
}

let current: TestRun | undefined;

export function testRun(): TestRun {
  if (current) return current;
  sweepStaleTestbeds();
  mkdirSync(LEDGER_DIR, { recursive: true, mode: 0o700 });
  const prefix = `cu${String(process.pid % 1000).padStart(3, '0')}${randomBytes(1).toString('hex')}`;
  const file = path.join(LEDGER_DIR, `${prefix}.json`);
  const ledger: Ledger = {
    owner: process.pid,
    ownerStart: startTime(process.pid),
    prefix,
    pids: [],
    namespaces: [],
    links: [],
    routes: [],
    users: [],
  };
  const save = () => writeFileSync(file, JSON.stringify(ledger));
  const add = (list: 'namespaces' | 'links' | 'routes' | 'users', v: string) => {
    ledger[list].push(v);
    save();
  };
  save();
  const cleanup = () => {
    cleanLedger(ledger);
    ledger.pids = [];
    ledger.namespaces = [];
    ledger.links = [];
    ledger.routes = [];
    ledger.users = [];
    rmSync(file, { force: true });
  };
  process.once('exit', cleanup);
  // vitest ends its worker processes with SIGTERM (then SIGKILL after 1 s), which skips 'exit'
  // handlers: clean up first, then exit with the conventional status.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(128 + (signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1));
    });
  }
  current = {
    prefix,
    trackPid: (pid) => {
      ledger.pids.push({ pid, start: startTime(pid) });
      save();
    },
    untrackPid: (pid) => {
      ledger.pids = ledger.pids.filter((x) => x.pid !== pid);
      save();
    },
    trackNamespace: (n) => add('namespaces', n),
    trackLink: (n) => add('links', n),
    trackRoute: (n) => add('routes', n),
    trackUser: (n) => add('users', n),
    cleanup,
  };
  return current;
}

/** Spawns a tracked daemon, in namespace `ns` when given (`ip netns exec` execs: same pid). */
export function spawnTracked(
  ns: string | undefined,
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
): ChildProcess {
  const child = ns
    ? spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid) {
    testRun().trackPid(child.pid);
    const pid = child.pid;
    child.once('exit', () => current?.untrackPid(pid));
  }
  return child;
}

/** Kills a tracked daemon and everything it forked; resolves once it has exited. */
export async function stopTracked(child: ChildProcess): Promise<void> {
  if (!child.pid) return;
  const pid = child.pid;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killPids(processTree(pid));
    await exited;
  } else {
    killPids(processTree(pid).filter((p) => p !== pid));
  }
  current?.untrackPid(pid);
}

/** Resolves with 'connected' or the errno code a TCP connect from THIS namespace gets. */
export function probeTcp(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('ETIMEDOUT');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? 'ERROR');
    });
  });
}

export interface TopologySpec {
  /** Namespace nodes (short labels, [a-z0-9]); `root` is the gateway's own namespace. */
  nodes: string[];
  /** Veth links between two nodes (either may be `root`). */
  links: Array<[string, string]>;
}

export interface Topology {
  readonly prefix: string;
  /** The run's 198.18.N.0/24 block (routed `unreachable` in the root namespace). */
  readonly block: string;
  /** An address inside the block on no link: connecting to it fails at once with EHOSTUNREACH. */
  readonly unreachableAddress: string;
  /** Namespace name of a node. */
  ns(node: string): string;
  /** Address of `node` on its link to `peer`. */
  addr(node: string, peer: string): string;
  /** Runs a command in a node's namespace (synchronously; for short commands). */
  exec(node: string, cmd: string, args: string[]): string;
  /** Kills the daemons started in the namespaces, deletes namespaces, links and the route. Idempotent. */
  destroy(): void;
}

function claimBlock(run_: TestRun): { block: string; base: string } {
  const tried = new Set<number>();
  const start = (process.pid * 7 + Math.floor(Math.random() * 512)) % 512;
  for (let i = 0; i < 512; i++) {
    const n = (start + i * 37) % 512;
    if (tried.has(n)) continue;
    tried.add(n);
    const base = `198.${18 + (n >> 8)}.${n & 255}`;
    const block = `${base}.0/24`;
    if (run('ip', ['-4', 'route', 'show', 'root', block]).trim()) continue;
    if (run('ip', ['-4', 'addr', 'show', 'to', block]).trim()) continue;
    if (!tryRun('ip', ['route', 'add', 'unreachable', block])) continue;
    run_.trackRoute(block);
    return { block, base };
  }
  throw new Error('no free 198.18.0.0/15 block for a test topology');
}

let topologies = 0;

export async function createTopology(spec: TopologySpec): Promise<Topology> {
  const reason = netnsSkipReason();
  if (reason) throw new Error(reason);
  for (const n of spec.nodes)
    if (!/^[a-z0-9]{1,12}$/.test(n) || n === 'root') throw new Error(`bad topology node name '${n}'`);
  if (spec.links.length > 30) throw new Error('at most 30 links per topology');
  const tr = testRun();
  const prefix = tr.prefix;
  // Link names carry the topology's number: a process may build more than one (a test's own, and
  // the browser's: see chromium.ts), and interface names are at most 15 characters.
  if (topologies >= 36) throw new Error('at most 36 topologies per test process');
  const tag = (topologies++).toString(36);
  const nsName = (node: string) => `${prefix}-${node}`;
  const namespaces: string[] = [];
  const rootLinks: string[] = [];
  const addrs = new Map<string, string>();
  let block = '';
  let destroyed = false;

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const ns of namespaces) killPids(pidsInNamespace(ns));
    for (const ns of namespaces) tryRun('ip', ['netns', 'del', ns]);
    for (const l of rootLinks) tryRun('ip', ['link', 'del', l]);
    if (block) tryRun('ip', ['route', 'del', 'unreachable', block]);
  };

  try {
    const claimed = claimBlock(tr);
    block = claimed.block;
    for (const node of spec.nodes) {
      const ns = nsName(node);
      tr.trackNamespace(ns);
      run('ip', ['netns', 'add', ns]);
      namespaces.push(ns);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    spec.links.forEach(([a, b], i) => {
      for (const n of [a, b])
        if (n !== 'root' && !spec.nodes.includes(n)) throw new Error(`unknown node '${n}'`);
      const ifA = `${prefix}${tag}l${i}a`;
      const ifB = `${prefix}${tag}l${i}b`;
      run('ip', ['link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB]);
      tr.trackLink(ifA);
      if (a === 'root' || b === 'root') rootLinks.push(ifA);
      const ipA = `${claimed.base}.${i * 8 + 1}`;
      const ipB = `${claimed.base}.${i * 8 + 2}`;
      for (const [iface, node, ip] of [
        [ifA, a, ipA],
        [ifB, b, ipB],
      ] as const) {
        if (node !== 'root') run('ip', ['link', 'set', iface, 'netns', nsName(node)]);
        const inNs = node === 'root' ? [] : ['-n', nsName(node)];
        run('ip', [...inNs, 'addr', 'add', `${ip}/29`, 'dev', iface]);
        run('ip', [...inNs, 'link', 'set', iface, 'up']);
      }
      addrs.set(`${a}>${b}`, ipA);
      addrs.set(`${b}>${a}`, ipB);
    });
    // No namespace may have a default route (a fresh one has none; make sure).
    for (const ns of namespaces)
      if (run('ip', ['-n', ns, 'route', 'show', 'default']).trim())
        throw new Error(`${ns} has a default route`);
  } catch (e) {
    destroy();
    throw e;
  }

  const topo: Topology = {
    prefix,
    block,
    unreachableAddress: block.replace(/\.0\/24$/, '.250'),
    ns: (node) => {
      if (!spec.nodes.includes(node)) throw new Error(`unknown node '${node}'`);
      return nsName(node);
    },
    addr: (node, peer) => {
      const a = addrs.get(`${node}>${peer}`);
      if (!a) throw new Error(`no link between '${node}' and '${peer}'`);
      return a;
    },
    exec: (node, cmd, args) =>
      node === 'root' ? run(cmd, args) : run('ip', ['netns', 'exec', nsName(node), cmd, ...args]),
    destroy,
  };

  // Every address on a link the root namespace is not part of must be unreachable from here, at once.
  for (const [a, b] of spec.links) {
    if (a === 'root' || b === 'root') continue;
    for (const ip of [addrs.get(`${a}>${b}`)!, addrs.get(`${b}>${a}`)!]) {
      const t0 = Date.now();
      const r = await probeTcp(ip, 9, 1500);
      if (r !== 'EHOSTUNREACH' || Date.now() - t0 > 500) {
        destroy();
        throw new Error(`topology check: ${ip} should be unreachable from the root namespace, got ${r}`);
      }
    }
  }
  return topo;
}
