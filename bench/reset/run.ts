// Remote-reset benchmark (not a test; never fails on timing): `npm run bench:reset` or
// `node bin/run-ts.mjs bench/reset/run.ts [--per-series N]`. Needs root, OpenSSH and sudo (real
// sshd, real Linux users on 127.0.0.1).
//
// Measures resets per second through the real ResetEngine (pending row, host-key check, target
// change over SSH, vault write with history and audit, on SQLite) against one real sshd:
//   - self:  the account logs in itself and runs `passwd` over a pty;
//   - sudo:  an administrator account logs in and runs `sudo -k -S chpasswd` (password on stdin);
// each at concurrency 1 and 4 (distinct accounts in flight). The baseline, measured in the same
// run against the same sshd: raw ssh2 password login + exec `true` + close, per second, at the
// same concurrency. The ratio is resets/s ÷ baseline/s: what a reset costs over the bare login.
//
// Prints a table and one JSON line, and writes bench/results/reset-<date>.json (git-ignored).
// The users, the sudoers entry, sshd and the vault are removed at the end.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import { REPOSITORY_ROOT, ResetEngine } from '../../core/index.ts';
import { SshUnixResetConnector } from '../../reset/index.ts';
import { sshdSkipReason, startSshd } from '../../test/support/sshd.ts';
import { testRun } from '../../test/support/netns.ts';
import { createTestVault, pw } from '../../test/support/vault.ts';
import { contextOf } from '../../test/support/core-internals.ts';

const { values: argv } = parseArgs({ options: { 'per-series': { type: 'string', default: '40' } } });
const PER_SERIES = Number(argv['per-series']);
const CONCURRENCIES = [1, 4];

const skip = sshdSkipReason();
if (skip) {
  console.error(`bench:reset ${skip}`);
  process.exit(0);
}

const strong = () => `Rt${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}#7$4q`;

/** Runs `fn` over 0..n-1 with `limit` in flight; returns operations per second. */
async function rate(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return (n * 1000) / (performance.now() - t);
}

function loginExecTrue(port: number, username: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () =>
      c.exec('true', (err, stream) => {
        if (err) return reject(err);
        stream.on('close', () => {
          c.end();
          resolve();
        });
        stream.resume();
      }),
    );
    c.on('error', reject);
    c.connect({ host: '127.0.0.1', port, username, password, readyTimeout: 20_000 });
  });
}

const tr = testRun();
const series = CONCURRENCIES.length * 2; // self and sudo at each concurrency
const users = Array.from({ length: PER_SERIES * series }, (_, i) => ({
  name: `${tr.prefix}b${String(i).padStart(3, '0')}`,
  password: strong(),
}));
const admin = { name: `${tr.prefix}badm`, password: strong() };
const sudoers = `/etc/sudoers.d/custody-bench-${admin.name}`;
for (const u of [...users, admin]) tr.trackUser(u.name);
execFileSync('newusers', [], {
  input:
    [...users, admin].map((u) => `${u.name}:${u.password}:::bench:/home/${u.name}:/bin/bash`).join('\n') +
    '\n',
  stdio: ['pipe', 'pipe', 'pipe'],
});
writeFileSync(sudoers, `${admin.name} ALL=(root) /usr/sbin/chpasswd\n`, { mode: 0o440 });
const sshd = await startSshd({ allowUsers: [`${tr.prefix}b*`] });
const v = await createTestVault();
const engine = new ResetEngine(contextOf(v.core), { unix: new SshUnixResetConnector({ timeoutMs: 60_000 }) });

const rows: Record<string, number | string>[] = [];
try {
  await v.core.resources.create(v.host, {
    name: 'bench01',
    type: 'linux',
    dnsName: '127.0.0.1',
    port: sshd.port,
  });
  for (const u of [...users, admin]) await v.core.accounts.add(v.host, 'bench01', u.name, pw(u.password));
  // Warm-up: pins the host key and loads the code paths.
  await loginExecTrue(sshd.port, admin.name, admin.password);
  let used = 0;
  for (const c of CONCURRENCIES) {
    const baseline = await rate(PER_SERIES, c, () => loginExecTrue(sshd.port, admin.name, admin.password));
    for (const mode of ['self', 'sudo'] as const) {
      const batch = users.slice(used, used + PER_SERIES);
      used += PER_SERIES;
      const resets = await rate(PER_SERIES, c, (i) =>
        engine.resetAccount(
          v.host,
          `bench01/${batch[i]!.name}`,
          mode === 'sudo' ? { admin: admin.name } : {},
        ),
      );
      rows.push({
        mode: mode === 'self' ? 'self passwd (pty)' : 'sudo chpasswd',
        concurrency: c,
        'resets/s': Number(resets.toFixed(2)),
        'ssh2 login+exec true /s': Number(baseline.toFixed(2)),
        ratio: Number((resets / baseline).toFixed(3)),
      });
    }
  }
} finally {
  await sshd.stop();
  await v.close();
  rmSync(sudoers, { force: true });
  tr.cleanup();
}

console.table(rows);
const result = {
  bench: 'reset',
  at: new Date().toISOString(),
  host: { cpus: os.cpus().length, load1: os.loadavg()[0] },
  perSeries: PER_SERIES,
  rows,
};
console.log(JSON.stringify(result));
const dir = path.join(REPOSITORY_ROOT, 'bench', 'results');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, `reset-${result.at.slice(0, 10)}.json`), JSON.stringify(result, null, 2));
