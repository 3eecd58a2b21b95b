// Web benchmark (not a test): `npm run bench:web` or `node bin/run-ts.mjs bench/web/run.ts`.
//
// Password retrievals through the REST API — HTTPS, `Authorization: Bearer KEY`, the key looked
// up and the user's shares checked, the password decrypted, `password.access` appended — at 1
// and at 32 concurrent clients (each on its own keep-alive connection), against the very same
// retrievals through core in-process (`core.as(keyActor).accounts.reveal`) in the same run, so
// the ratio is the cost of the HTTP edge alone. p50/p99 are per request, in milliseconds. Then the
// web player's time to first frame for a one-hour recording in Chromium (player-first-frame.ts).
// Prints a table and one JSON line, and writes bench/results/web-<date>.json (git-ignored).
//
// Options: --requests N (2000 per series) --warmup N (200) --accounts N (200)
import { mkdir, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { REPOSITORY_ROOT, Secret } from '../../core/index.ts';
import { httpsTransport } from '../../test/support/api-client.ts';
import { apiTransport } from '../../test/support/api-fixture.ts';
import { measurePlayerFirstFrame } from './player-first-frame.ts';

const { values: argv } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    accounts: { type: 'string', default: '200' },
  },
});
const REQUESTS = Number(argv.requests);
const WARMUP = Number(argv.warmup);
const ACCOUNTS = Number(argv.accounts);
const PASSWORD = 'Bench-Web-Pw#2026-x';

interface Series {
  name: string;
  concurrency: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** `total` calls of `one(i)` spread over `concurrency` workers; latencies and the rate. */
async function measure(
  name: string,
  concurrency: number,
  total: number,
  one: (i: number, worker: number) => Promise<void>,
): Promise<Series> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_x, worker) => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await one(i, worker);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    concurrency,
    requests: total,
    perSecond: Math.round(total / seconds),
    p50: r3(percentile(latencies, 50)),
    p99: r3(percentile(latencies, 99)),
  };
}

async function main(): Promise<void> {
  // The real web listener, in this process, over a throw-away vault (test/support/api-fixture.ts).
  const f = await apiTransport();
  const v = f.v;
  try {
    await v.addUser('app', 'password-user');
    const refs: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const r = `app${String(i).padStart(4, '0')}`;
      await v.core.resources.create(v.host, { name: r, type: 'linux', dnsName: `${r}.example` });
      await v.core.accounts.add(v.host, r, 'svc', Secret.fromString(PASSWORD));
      await v.core.sharing.grant(
        v.host,
        { kind: 'resource', name: r },
        { kind: 'user', name: 'app' },
        'view',
      );
      refs.push(`${r}/svc`);
    }
    const key = (await v.core.apiKeys.create(v.host, { name: 'bench', user: 'app' })).key;
    const keyText = key.reveal();
    const actor = await v.core.system.authenticateApiKey(key, '127.0.0.1');
    const me = v.core.as(actor);
    const inProcess = async (i: number) => {
      const s = await me.accounts.reveal(refs[i % refs.length]!);
      if (s.reveal() !== PASSWORD) throw new Error('wrong password in-process');
    };
    // One keep-alive agent per client: 32 clients are 32 connections, as 32 applications would be.
    const clients = Array.from({ length: 32 }, () =>
      httpsTransport(f.url, f.ca, new https.Agent({ keepAlive: true, maxSockets: 1, ca: f.ca })),
    );
    const overApi = async (i: number, worker: number) => {
      const [resource, account] = refs[i % refs.length]!.split('/');
      const r = await clients[worker]!('GET', `/api/v1/passwords/${resource}/${account}`, { key: keyText });
      if (r.status !== 200 || (r.body as { password?: string }).password !== PASSWORD)
        throw new Error(`API answered ${r.status}: ${r.text.slice(0, 200)}`);
    };
    await measure('warm-up', 4, WARMUP, async (i, w) => {
      await inProcess(i);
      await overApi(i, w);
    });
    const series: Series[] = [];
    for (const c of [1, 32]) {
      series.push(await measure('core in-process', c, REQUESTS, (i) => inProcess(i)));
      series.push(await measure('REST API (HTTPS)', c, REQUESTS, overApi));
    }
    const ratio = (c: number) => {
      const api = series.find((s) => s.concurrency === c && s.name.startsWith('REST'))!;
      const core = series.find((s) => s.concurrency === c && s.name.startsWith('core'))!;
      return r3(api.perSecond / core.perSecond);
    };
    // Chromium, its own bastion and a generated one-hour recording: measured after the retrievals.
    const player = await measurePlayerFirstFrame();
    const result = {
      at: new Date().toISOString(),
      host: { cpus: os.cpus().length, node: process.version },
      accounts: ACCOUNTS,
      series,
      ratio: { c1: ratio(1), c32: ratio(32) },
      playerFirstFrame: player,
    };
    console.log('series                 clients  req/s     p50 ms   p99 ms');
    for (const s of series)
      console.log(
        `${s.name.padEnd(22)} ${String(s.concurrency).padStart(7)}  ${String(s.perSecond).padStart(7)}  ${s.p50.toFixed(3).padStart(8)} ${s.p99.toFixed(3).padStart(8)}`,
      );
    console.log(`API / in-process throughput: ${result.ratio.c1} at 1 client, ${result.ratio.c32} at 32`);
    console.log(
      `player first frame (${player.recordingSeconds} s recording, ${player.castBytes} bytes): p50 ${player.firstFrameMsP50} ms, max ${player.firstFrameMsMax} ms over ${player.runs} runs`,
    );
    console.log(JSON.stringify(result));
    const dir = path.join(REPOSITORY_ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, `web-${result.at.slice(0, 10)}.json`),
      JSON.stringify(result, null, 2) + '\n',
    );
  } finally {
    await f.close();
  }
}

await main();
