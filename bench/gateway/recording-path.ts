// The recording path alone, as a bulk download drives it: N MB of base64 text lines (or random
// bytes with --binary) in 32 KiB chunks (what sshd sends) into the asciicast writer with the
// encrypted container behind it, waiting for each chunk to be committed as the strict policy does
// (at most --in-flight chunks ahead). Prints CPU seconds per GB, wall MB/s and the garbage
// collector's share, so a change to the writer or the container can be measured without the
// network's noise: `node bin/run-ts.mjs bench/gateway/recording-path.ts [--mb 200] [--binary]`.
// Not product code.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/index.ts';
import { AsciicastWriter } from '../../core/recording/asciicast-writer.ts';
import { ContainerSink } from '../../core/recording/recording-sink.ts';
import { loadOrCreateSigningKey } from '../../core/recording/signing-key.ts';

const { values: argv } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    binary: { type: 'boolean', default: false },
    'in-flight': { type: 'string', default: '64' },
  },
});
const MiB = 1024 * 1024;
const CHUNK = 32 * 1024;
const bytes = Number(argv.mb) * MiB;
const inFlight = Number(argv['in-flight']);

const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bench-rec-'));
try {
  const block = argv.binary
    ? randomBytes(8 * MiB)
    : Buffer.from(
        randomBytes(6 * MiB)
          .toString('base64')
          .replace(/(.{76})/g, '$1\n'),
      );
  const signer = await loadOrCreateSigningKey(path.join(dir, 'signing.pem'));
  const castPath = path.join(dir, 'bench.rec');
  const writer = await AsciicastWriter.create({
    id: 'bench',
    castPath,
    clock: systemClock,
    meta: {
      sessionId: 'bench',
      user: 'alice',
      target: 'db01/root',
      protocol: 'ssh',
      cols: 80,
      rows: 24,
      source: '127.0.0.1',
      startedAt: new Date(),
    },
    openSink: async () =>
      ContainerSink.create(await open(castPath, 'wx', 0o600), {
        header: {
          format: 'custody-recording',
          version: 1,
          id: 'bench',
          kind: 'terminal',
          sessionId: 'bench',
          user: 'alice',
          target: 'db01/root',
          protocol: 'ssh',
          startedAt: new Date().toISOString(),
          cipher: 'aes-256-gcm',
        },
        dataKey: randomBytes(32),
        signer,
        now: () => new Date(),
      }),
  });
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const waiting: Promise<boolean>[] = [];
  for (let at = 0; at < bytes; at += CHUNK) {
    const from = at % (block.length - CHUNK);
    // A fresh Buffer per chunk, as each arrives from the socket.
    writer.output(Buffer.from(block.subarray(from, from + Math.min(CHUNK, bytes - at))));
    waiting.push(writer.committed());
    if (waiting.length >= inFlight) await waiting.shift();
  }
  await Promise.all(waiting);
  const summary = await writer.close();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  gc.disconnect();
  const cpuS = (c.user + c.system) / 1e6;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  process.stdout.write(
    JSON.stringify({
      bench: 'recording-path',
      payload: argv.binary ? 'random bytes' : 'base64 text lines',
      mb: Number(argv.mb),
      wallMBps: r2(bytes / MiB / (ms / 1000)),
      cpuSecondsPerGB: r2(cpuS / (bytes / (1024 * MiB))),
      gcShare: r2(gcMs / (cpuS * 1000)),
      recordingMB: r2(summary.bytes / MiB),
      load: os.loadavg().map(r2),
    }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
