// CPU profile of the in-process gateway during the bulk phase (`--cpu-prof`): V8's sampling
// profiler through node:inspector, written as a .cpuprofile (Chrome DevTools, speedscope) and
// summarised here into what the benchmark's docs table needs: the top functions by self time, and
// where the time goes by part of the path (ssh2's crypto, ssh2's packet handling, the recording
// path, Buffer work, stream plumbing, the garbage collector). Not product code.
import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  /** The functions with the most self time (the code running when the sample was taken). */
  topSelf: ProfileRow[];
  /** Self time by the kind of code that ran. */
  bySelfKind: ProfileRow[];
  /** Time by the part of the path that asked for it (the nearest owning frame up the stack). */
  byOwner: ProfileRow[];
}

/** Starts sampling (every 250 µs); stop() writes the profile to `file` and summarises it. */
export async function startCpuProfile(file: string): Promise<{ stop: () => Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
      session.disconnect();
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(profile));
      return { file, ...summariseProfile(profile) };
    },
  };
}

/** The kind of code a frame is, from its script and name. */
export function kindOf(f: CallFrame): string {
  const { url, functionName: fn } = f;
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(idle)') return 'idle (waiting for I/O)';
  if (fn === '(program)') return 'native, outside JS (program)';
  if (url.includes('/ssh2/lib/protocol/crypto') || /poly1305/.test(url)) return 'ssh2 crypto (cipher/MAC)';
  if (url.includes('/ssh2/')) return 'ssh2 packets and channels';
  if (url.includes('/core/recording/search/')) return 'recording: search index, terminal model';
  if (url.includes('/@xterm/')) return 'recording: search index, terminal model';
  if (url.includes('/core/recording/')) return 'recording: writer, container, encryption';
  if (url.includes('/gateway/')) return 'gateway data path';
  if (url.startsWith('node:internal/streams') || url === 'node:stream' || url.startsWith('node:events'))
    return 'stream plumbing (node streams, events)';
  if (url === 'node:buffer' || url.startsWith('node:internal/buffer')) return 'Buffer work';
  if (url.startsWith('node:internal/fs') || url === 'node:fs') return 'file writes';
  if (url.startsWith('node:internal/crypto') || url === 'node:crypto')
    return 'node crypto (recording AES-GCM, SHA-256)';
  if (
    url.startsWith('node:net') ||
    url.startsWith('node:internal/stream_base') ||
    url.startsWith('node:internal/net')
  )
    return 'sockets';
  if (
    url.startsWith('node:internal/process') ||
    url.startsWith('node:internal/timers') ||
    url.startsWith('node:timers')
  )
    return 'event loop (ticks, timers)';
  if (!url && fn) return `V8 built-in / native (${fn})`;
  if (url.startsWith('node:')) return 'other node internals';
  if (url.includes('/node_modules/')) return 'other packages';
  return 'other (benchmark, core)';
}

/** The part of the path a frame belongs to, or undefined for code that only serves others. */
function ownerOf(f: CallFrame): string | undefined {
  const { url } = f;
  if (url.includes('/ssh2/lib/protocol/crypto')) return 'ssh2 crypto (cipher/MAC)';
  if (url.includes('/ssh2/')) return 'ssh2 packets and channels';
  if (url.includes('/core/recording/search/') || url.includes('/@xterm/'))
    return 'recording: search index, terminal model';
  if (url.includes('/core/recording/')) return 'recording: writer, container, encryption';
  if (url.includes('/gateway/')) return 'gateway data path';
  return undefined;
}

export function summariseProfile(p: CpuProfile): Omit<ProfileSummary, 'file'> {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  // Samples taken while the profiler itself was starting are not the gateway's work.
  const profilerOwn = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (byId.get(at)!.callFrame.url.endsWith('/cpu-profile.ts')) return true;
    return false;
  };
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    if (profilerOwn(id)) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fnSelf = new Map<string, number>();
  const kindSelf = new Map<string, number>();
  const ownerTime = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const f = node.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules|custody[^/]*|web2)\//, '')}:${f.lineNumber + 1}`
      : '';
    const name = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    fnSelf.set(name, (fnSelf.get(name) ?? 0) + us);
    const kind = kindOf(f);
    kindSelf.set(kind, (kindSelf.get(kind) ?? 0) + us);
    // Walk up to the nearest frame of a part of the path: Buffer, stream and crypto time is
    // charged to whoever asked for it.
    let owner: string | undefined;
    for (let at: number | undefined = id; at !== undefined && !owner; at = parent.get(at))
      owner = ownerOf(byId.get(at)!.callFrame);
    const o = owner ?? (kind.startsWith('idle') || kind === 'garbage collector' ? kind : `other: ${kind}`);
    ownerTime.set(o, (ownerTime.get(o) ?? 0) + us);
  }
  const rows = (m: Map<string, number>, n: number): ProfileRow[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        share: Math.round((us / total) * 1000) / 10,
      }));
  return {
    sampledMs: Math.round(total / 1000),
    topSelf: rows(fnSelf, 25),
    bySelfKind: rows(kindSelf, 20),
    byOwner: rows(ownerTime, 15),
  };
}

/** Prints a summary as three small tables (share of the sampled time, idle included). */
export function printProfile(label: string, s: ProfileSummary): string {
  const table = (title: string, rows: ProfileRow[]) =>
    [
      title,
      ...rows.map((r) => `  ${String(r.share).padStart(5)} %  ${String(r.ms).padStart(8)} ms  ${r.name}`),
    ].join('\n');
  return [
    `CPU profile, ${label}: ${s.sampledMs} ms sampled, written to ${s.file}`,
    table('by kind of code (self time):', s.bySelfKind),
    table('by part of the path (time charged to the nearest owning frame):', s.byOwner),
    table('top functions by self time:', s.topSelf),
  ].join('\n');
}
