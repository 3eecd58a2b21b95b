// Wallboard benchmark (not a test): `npm run bench:wallboard`.
//
// Runs the operations wallboard through the same ConsoleTerminal contract the gateway uses, on
// manual timers, over a throw-away SQLite home holding a busy hour: live sessions in the registry,
// an hour of session starts and sign-ins in the audit trail, requests waiting. Then drives an
// hour of refreshes (720 at the default 5 s) by moving the clock, and reports:
//   - CPU per refresh (user + system, from process.cpuUsage) and wall time per refresh, p50/p95;
//   - bytes written to the terminal per refresh;
//   - memory (RSS, heap used after a forced GC when --expose-gc is on) before and after the hour,
//     to show a refresh leaks nothing.
// Options: --sessions N (50) --refreshes N (720) --cols N (200) --rows N (60)
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ManualTimers, Secret, type ConsoleTerminal } from '../../core/index.ts';
import { startWallboard } from '../../wallboard/index.ts';
import { contextOf } from '../../test/support/core-internals.ts';
import { registerFake } from '../../test/support/live.ts';
import { createTestVault } from '../../test/support/vault.ts';

const { values: argv } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    refreshes: { type: 'string', default: '720' },
    cols: { type: 'string', default: '200' },
    rows: { type: 'string', default: '60' },
  },
});
const SESSIONS = Number(argv.sessions);
const REFRESHES = Number(argv.refreshes);
const REFRESH_MS = 5_000;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const gc = (globalThis as { gc?: () => void }).gc;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: p(50), p95: p(95), max: s[s.length - 1] ?? NaN };
}

function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rssMB: m.rss / 1e6, heapUsedMB: m.heapUsed / 1e6 };
}

// One manual clock for core and the board: session durations and the chart's minutes move as
// the hour is driven through.
const timers = new ManualTimers(new Date());
const v = await createTestVault({ clock: timers });
const auditor = await v.addUser('audrey', 'auditor');
const ctx = contextOf(v.core);
log(`seeding ${SESSIONS} live sessions and an hour of audit rows`);
for (let i = 0; i < SESSIONS; i++)
  await registerFake(v.core.system.liveRegistry, {
    id: `s-${i}`,
    user: `user${i % 17}`,
    target: `host${i % 23}/root`,
    protocol: i % 5 === 0 ? 'rdp' : 'ssh',
    node: 'node-1',
    startedAt: new Date(timers.now().getTime() - i * 97_000).toISOString(),
  });
for (let i = 0; i < 600; i++)
  await ctx.appendStandalone({
    type: i % 3 === 0 ? 'session.start' : 'user.login',
    actor: `user${i % 17}`,
    source: '10.0.0.1',
    target: { kind: 'account', name: `host${i % 23}/root` },
    result: 'success',
    details: { mode: 'shell' },
  });
await v.core.resources.create(v.host, { name: 'db01', type: 'linux', dnsName: '127.0.0.1' });
await v.core.accounts.add(v.host, 'db01', 'dba', Secret.fromString('Tg7#Kp2$Wm9!Lq4&Zx5v'));
await v.core.access.configure(v.host, 'db01', { approvers: ['admin'] });
for (let i = 0; i < 5; i++)
  await v.core.access.request(v.host, 'db01/dba', `bench ${i}`).catch(() => undefined);

const events = new EventEmitter();
let written = 0;
const terminal: ConsoleTerminal = {
  cols: Number(argv.cols),
  rows: Number(argv.rows),
  write: (d) => void (written += typeof d === 'string' ? Buffer.byteLength(d) : d.length),
  onData: (cb) => (events.on('data', cb), () => events.off('data', cb)),
  onResize: (cb) => (events.on('resize', cb), () => events.off('resize', cb)),
  onEnd: (cb) => (events.on('end', cb), () => events.off('end', cb)),
};

let drawn: (() => void) | undefined;
/** Resolves once a refresh is drawn and blessed has flushed it (it writes on the next tick). */
const nextDraw = () =>
  new Promise<void>((resolve) => (drawn = resolve)).then(() => new Promise<void>((r) => setImmediate(r)));
const first = nextDraw();
const running = startWallboard({ core: v.core, actor: auditor, source: 'bench' }, terminal, {
  timers,
  refreshMs: REFRESH_MS,
  onDraw: () => drawn?.(),
});
await first;
log(`first frame: ${written} bytes`);

// Warm-up (JIT, first statfs, prepared statements), then the measured hour.
for (let i = 0; i < 20; i++) {
  const d = nextDraw();
  timers.advance(REFRESH_MS);
  await d;
}
const before = memory();
const cpu: number[] = [];
const wall: number[] = [];
const bytes: number[] = [];
for (let i = 0; i < REFRESHES; i++) {
  const d = nextDraw();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const w0 = written;
  timers.advance(REFRESH_MS);
  await d;
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  wall.push(performance.now() - t0);
  bytes.push(written - w0);
}
const after = memory();
events.emit('end');
await running;
await v.close();

const c = stats(cpu);
const w = stats(wall);
const b = stats(bytes);
const line =
  `wallboard ${terminal.cols}x${terminal.rows}, ${SESSIONS} live sessions, ${REFRESHES} refreshes ` +
  `(${((REFRESHES * REFRESH_MS) / 3_600_000).toFixed(2)} h at ${REFRESH_MS / 1000} s): ` +
  `CPU/refresh p50 ${c.p50.toFixed(2)} ms p95 ${c.p95.toFixed(2)} ms; ` +
  `wall p50 ${w.p50.toFixed(2)} ms p95 ${w.p95.toFixed(2)} ms; ` +
  `bytes/refresh p50 ${b.p50}; ` +
  `RSS ${before.rssMB.toFixed(1)} → ${after.rssMB.toFixed(1)} MB, ` +
  `heap ${before.heapUsedMB.toFixed(1)} → ${after.heapUsedMB.toFixed(1)} MB${gc ? ' (after GC)' : ' (no --expose-gc)'}`;
console.log(line);
