// Recording benchmark (not a test): `npm run bench:recordings`.
//
// In one run, on this machine:
//   - write throughput of a terminal recording with encryption and signing on (the container,
//     AES-256-GCM chunks, hash chain, Ed25519 manifest) and off (the plain asciicast files), the
//     same output through the same recorder; their ratio. Text output and random binary output;
//   - bytes per hour of a typical interactive session (typing, echo, command output now and then,
//     flushed every second as the live recorder does), container vs plain;
//   - verify time per GB: the chain and signature alone (what an auditor without the master key
//     checks) and with every chunk's authentication tag as well;
//   - search latency over 1,000 one-hour recordings (bench/recordings/search-latency.ts, the search
//     index's own measure, joined here; --no-search leaves it out, it takes about a minute).
// Options: --mb N (64: output written per throughput run) --verify-mb N (256)
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AsciicastWriter, openExclusive } from '../../core/recording/asciicast-writer.ts';
import { openFileSource } from '../../core/recording/byte-source.ts';
import { containerHeader } from '../../core/recording/container-header.ts';
import { verifyContainer } from '../../core/recording/container-verify.ts';
import { ContainerSink } from '../../core/recording/recording-sink.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../core/recording/signing-key.ts';
import type { RecordingMeta } from '../../core/recording/types.ts';
import { ManualClock } from '../../core/runtime.ts';
import { ManualTimers } from '../../core/timers.ts';
import { measureSearchLatency } from './search-latency.ts';

const { values: argv } = parseArgs({
  options: {
    mb: { type: 'string', default: '64' },
    'verify-mb': { type: 'string', default: '256' },
    'no-search': { type: 'boolean', default: false },
  },
});
const MB = Number(argv.mb);
const VERIFY_MB = Number(argv['verify-mb']);
const MiB = 1024 * 1024;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const r2 = (n: number) => Math.round(n * 100) / 100;

const meta: RecordingMeta = {
  sessionId: 'bench',
  user: 'bench',
  target: 'bench01/root',
  protocol: 'ssh',
  cols: 120,
  rows: 40,
  source: '127.0.0.1',
  startedAt: new Date('2026-01-01T00:00:00Z'),
};

let n = 0;
async function writer(dir: string, encrypted: boolean, signer: SigningKey, clock: ManualClock, timers: ManualTimers) {
  const id = `bench-${++n}`;
  const castPath = path.join(dir, `${id}.${encrypted ? 'rec' : 'cast'}`);
  const header = containerHeader(id, meta, 'terminal');
  const dataKey = randomBytes(32);
  const w = await AsciicastWriter.create({
    id,
    castPath,
    meta,
    clock,
    timers,
    ...(encrypted
      ? {
          openSink: async () =>
            ContainerSink.create(await openExclusive(castPath), { header, dataKey, signer, now: () => clock.now() }),
        }
      : {}),
  });
  return { w, castPath, id, dataKey };
}

/** Bytes of output that look like a terminal's: lines of text with colour codes. */
function textOutput(bytes: number): Buffer[] {
  const lines: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const b = Buffer.from(
      `\x1b[32m${String(i).padStart(8, '0')}\x1b[0m drwxr-xr-x 2 root root 4096 Jan  1 00:00 file-${i % 997}.log and some more text\r\n`,
    );
    lines.push(b);
    total += b.length;
  }
  // Batched the way a pty delivers them: a few KiB at a time.
  const batches: Buffer[] = [];
  for (let i = 0; i < lines.length; i += 40) batches.push(Buffer.concat(lines.slice(i, i + 40)));
  return batches;
}

async function throughput(dir: string, signer: SigningKey, chunks: Buffer[], encrypted: boolean) {
  const clock = new ManualClock();
  const timers = new ManualTimers();
  const { w, castPath } = await writer(dir, encrypted, signer, clock, timers);
  const bytes = chunks.reduce((s, c) => s + c.length, 0);
  const t0 = performance.now();
  for (const c of chunks) {
    clock.advance(1);
    w.output(c);
    if (w.backlog() > 4 * MiB) await w.drained();
  }
  await w.close();
  const ms = performance.now() - t0;
  const size = (await stat(castPath)).size;
  await rm(castPath, { force: true });
  await rm(castPath + '.idx', { force: true });
  return { mbps: bytes / MiB / (ms / 1000), size, bytes };
}

/** One hour of an interactive session: a keystroke or two a second, echoed, and command output now and then. */
async function interactiveHour(dir: string, signer: SigningKey, encrypted: boolean) {
  const clock = new ManualClock();
  const timers = new ManualTimers();
  const { w, castPath } = await writer(dir, encrypted, signer, clock, timers);
  const command = 'ls -la /var/log | grep -v journal\r';
  for (let s = 0; s < 3600; s++) {
    if (s % 15 < 8) {
      const ch = command[s % command.length]!;
      w.input(Buffer.from(ch));
      w.output(Buffer.from(ch === '\r' ? '\r\n' : ch));
    }
    if (s % 15 === 8) w.output(Buffer.concat(textOutput(1500)));
    clock.advance(1000);
    // The recorder's own timer flushes every second (the manual timers stand in for real time).
    await w.flush();
  }
  await w.close();
  const size = (await stat(castPath)).size;
  return size;
}

async function verifyPerGb(dir: string, signer: SigningKey) {
  const clock = new ManualClock();
  const timers = new ManualTimers();
  const { w, castPath, id, dataKey } = await writer(dir, true, signer, clock, timers);
  const piece = randomBytes(64 * 1024);
  for (let done = 0; done < VERIFY_MB * MiB; done += piece.length) {
    clock.advance(1);
    w.output(piece);
    if (w.backlog() > 4 * MiB) await w.drained();
  }
  await w.close();
  const size = (await stat(castPath)).size;
  const publicKey = createPublicKey(signer.publicPem);
  const time = async (withKey: boolean) => {
    const src = (await openFileSource(castPath))!;
    const t0 = performance.now();
    const report = await verifyContainer(id, src, { publicKey, ...(withKey ? { dataKey } : {}) });
    const ms = performance.now() - t0;
    await src.close();
    if (report.status !== 'intact') throw new Error(`bench recording does not verify: ${report.reason}`);
    return (ms / 1000) * ((1024 * MiB) / size);
  };
  const chainOnly = await time(false);
  const withTags = await time(true);
  await rm(castPath, { force: true });
  return { size, chainOnly, withTags };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-bench-rec-'));
  try {
    const signer = await loadOrCreateSigningKey(path.join(dir, 'keys', 'signing.key'));
    const text = textOutput(MB * MiB);
    const binary: Buffer[] = [];
    for (let i = 0; i < (MB * MiB) / (32 * 1024); i++) binary.push(randomBytes(32 * 1024));
    log(`throughput: ${MB} MiB of text output, then of random output, plain and encrypted, alternating`);
    const runs: Record<string, { mbps: number[]; size: number; bytes: number }> = {};
    for (let round = 0; round < 3; round++)
      for (const [label, chunks] of [
        ['text', text],
        ['binary', binary],
      ] as const)
        for (const encrypted of [false, true]) {
          const key = `${label}:${encrypted ? 'on' : 'off'}`;
          const r = await throughput(dir, signer, chunks, encrypted);
          runs[key] ??= { mbps: [], size: r.size, bytes: r.bytes };
          runs[key].mbps.push(r.mbps);
        }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const tp = (label: string) => {
      const off = runs[`${label}:off`]!;
      const on = runs[`${label}:on`]!;
      return {
        offMBps: r2(median(off.mbps)),
        onMBps: r2(median(on.mbps)),
        ratioOnToOff: r2(median(on.mbps) / median(off.mbps)),
        sizeOff: r2(off.size / off.bytes),
        sizeOn: r2(on.size / on.bytes),
      };
    };
    log('one interactive hour, plain and encrypted');
    const hourOff = await interactiveHour(dir, signer, false);
    const hourOn = await interactiveHour(dir, signer, true);
    log(`verify: a ${VERIFY_MB} MiB recording`);
    const verify = await verifyPerGb(dir, signer);
    log('search latency over 1,000 one-hour recordings');
    const search = argv['no-search'] ? 'left out (--no-search)' : await measureSearchLatency();
    const figures = {
      throughput: { text: tp('text'), binary: tp('binary') },
      interactiveHour: { plainBytes: hourOff, encryptedBytes: hourOn, ratio: r2(hourOn / hourOff) },
      verifySecondsPerGB: { chainAndSignature: r2(verify.chainOnly), withChunkTags: r2(verify.withTags) },
      searchLatency: search,
    };
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
