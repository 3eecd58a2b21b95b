// Search latency over 1,000 one-hour recordings: the recordings are made through the gateway's
// recorder + indexer on a manual clock (./one-hour-sessions.ts; a command a minute printing ten
// distinct lines, about 660 index rows per recording), then each query below is run
// REPEAT times and the latency of `core.recordingSearch.search` is reported as p50 and p99, on the
// embedded SQLite (FTS5) and, when a PostgreSQL server is installed, on PostgreSQL (tsvector + GIN).
//   node bin/run-ts.mjs bench/recordings/search-latency.ts [--count N] [--repeat N] [--no-postgres]
// `measureSearchLatency()` is what `npm run bench:recordings` joins with the format figures.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ManualTimers } from '../../core/index.ts';
import { startPostgres } from '../../test/support/postgres.ts';
import { createTestVault } from '../../test/support/vault.ts';
import { makeOneHourSessions } from './one-hour-sessions.ts';

const NEEDLE = 'grep -c FAILED /var/log/auth.log.7';

/** A rare command (one hit), an everyday one (a hit in every recording), a filtered one. */
const QUERIES: { name: string; text: string; filter?: { user?: string; resource?: string } }[] = [
  { name: 'rare command', text: 'FAILED /var/log/auth.log.7' },
  { name: 'everyday command (limit 100)', text: 'systemctl status nginx' },
  { name: 'everyday, one user', text: 'df -h', filter: { user: 'carol' } },
  { name: 'shown text, one resource', text: 'output of journalctl', filter: { resource: 'db01' } },
  { name: 'no such text', text: 'kernel panic not syncing' },
];

export interface LatencyFigures {
  backend: 'sqlite' | 'postgres';
  recordings: number;
  /** Wall time to make and index the recordings (manual clock: the hours take no time). */
  buildSeconds: number;
  queries: { name: string; hits: number; p50Ms: number; p99Ms: number }[];
  /** Over every query run. */
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

async function measureOn(
  backend: 'sqlite' | 'postgres',
  o: { count: number; repeat: number; postgresUrl?: string },
): Promise<LatencyFigures> {
  const timers = new ManualTimers('2026-03-01T00:00:00Z');
  const v = await createTestVault({ clock: timers, ...(o.postgresUrl ? { postgresUrl: o.postgresUrl } : {}) });
  try {
    const built = performance.now();
    await makeOneHourSessions(v.core, timers, {
      count: o.count,
      needle: NEEDLE,
      needleIndex: Math.floor(o.count * 0.6),
      everyMinutes: 1,
      outputLines: 10,
    });
    const buildSeconds = (performance.now() - built) / 1000;
    // Fresh tables have no planner statistics until autovacuum gets to them (about a minute on a
    // live server): gather them now, or the first queries measure a plan made blind.
    if (o.postgresUrl) await analyze(o.postgresUrl);
    const all: number[] = [];
    const queries: LatencyFigures['queries'] = [];
    for (const q of QUERIES) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < o.repeat; i++) {
        const started = performance.now();
        hits = (await v.core.recordingSearch.search(v.host, q.text, q.filter ?? {})).length;
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      queries.push({ name: q.name, hits, p50Ms: round(percentile(times, 50)), p99Ms: round(percentile(times, 99)) });
    }
    all.sort((a, b) => a - b);
    return {
      backend,
      recordings: o.count,
      buildSeconds: Math.round(buildSeconds * 10) / 10,
      queries,
      p50Ms: round(percentile(all, 50)),
      p99Ms: round(percentile(all, 99)),
    };
  } finally {
    await v.close();
  }
}

async function analyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/**
 * Search latency on SQLite, and on PostgreSQL when `postgres` is true and a server can be started
 * here (skipped with a note otherwise).
 */
export async function measureSearchLatency(
  o: { count?: number; repeat?: number; postgres?: boolean } = {},
): Promise<{ sqlite: LatencyFigures; postgres?: LatencyFigures; note?: string }> {
  const count = o.count ?? 1000;
  const repeat = o.repeat ?? 50;
  const sqlite = await measureOn('sqlite', { count, repeat });
  if (o.postgres === false) return { sqlite };
  const pg = await startPostgres();
  if (!pg) return { sqlite, note: 'postgres: not installed here, skipped' };
  try {
    return { sqlite, postgres: await measureOn('postgres', { count, repeat, postgresUrl: await pg.createDatabase('bench_search') }) };
  } finally {
    await pg.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '50' },
      'no-postgres': { type: 'boolean', default: false },
    },
  });
  const result = await measureSearchLatency({
    count: Number(values.count),
    repeat: Number(values.repeat),
    postgres: !values['no-postgres'],
  });
  console.log(JSON.stringify(result, null, 2));
}
