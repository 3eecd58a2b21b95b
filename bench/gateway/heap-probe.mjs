// Preloaded into the gateway CHILD process by bench/gateway/run.ts (`node --expose-gc --import
// THIS bin/custody.mjs … server`). Not product code: it only answers the benchmark's memory
// probes. On SIGUSR2 it runs a full GC (twice, a tick apart) and writes process.memoryUsage() plus
// the V8 heap statistics, tagged with a sequence number, to $CUSTODY_BENCH_PROBE_FILE (atomic
// rename), so the parent can read the gateway's own RSS and heap without sharing its process.
import { renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.CUSTODY_BENCH_PROBE_FILE;
if (file) {
  let seq = 0;
  process.on('SIGUSR2', () => {
    const gc = globalThis.gc;
    if (typeof gc === 'function') gc();
    setTimeout(() => {
      if (typeof gc === 'function') gc();
      const m = process.memoryUsage();
      const h = v8.getHeapStatistics();
      const out = {
        seq: ++seq,
        at: Date.now(),
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        v8TotalPhysical: h.total_physical_size,
        handles: process.getActiveResourcesInfo?.().length ?? null,
      };
      writeFileSync(`${file}.tmp`, JSON.stringify(out));
      renameSync(`${file}.tmp`, file);
    }, 50);
  });
}
