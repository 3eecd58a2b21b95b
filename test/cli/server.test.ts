// `custody server` (CLI contract): prints `ssh listening on HOST:PORT` with port 0, serves logins,
// and stops cleanly on SIGTERM; the landing-server commands build the hop graph.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../core/index.ts';
import { custody, CUSTODY_BIN } from '../support/cli.ts';
import { ssh2Shell } from '../support/interactive.ts';
import { ADMIN_PASSWORD, writeTestConfig } from '../support/vault.ts';

describe('custody server and landing commands', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-server-'));
    await writeTestConfig(home);
    await writeFile(path.join(home, 'admin.pw'), ADMIN_PASSWORD);
    expect(
      (await custody(['--home', home, 'init', '--admin-password-file', path.join(home, 'admin.pw')])).code,
    ).toBe(0);
  }, 60_000);
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('server --ssh-port 0 prints the listening line, serves the console and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CUSTODY_BIN, '--home', home, 'server', '--ssh-port', '0'], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/ssh listening on/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const m = /^ssh listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
      expect(m, out).not.toBeNull();
      const shell = await ssh2Shell(Number(m![1]), 'admin', ADMIN_PASSWORD);
      await shell.out.waitFor(/Custody · admin \(admin\)[\s\S]*Favourites/);
      shell.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 40_000);

  it('landing add, associate and route', async () => {
    const pwFile = path.join(home, 'jump.pw');
    await writeFile(pwFile, 'Jm4%Rt8^Yu2*Pl6(Nb3c');
    for (const args of [
      ['resource', 'add', 'jump1', '--type', 'linux', '--host', '198.18.0.1'],
      ['resource', 'add', 'db1', '--type', 'linux', '--host', '198.18.0.2'],
      ['account', 'add', 'jump1', 'ops', '--password-file', pwFile],
      ['landing', 'add', 'dmz', '--primary', 'jump1/ops'],
      ['landing', 'associate', 'dmz', 'db1'],
    ]) {
      const r = await custody(['--home', home, ...args]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const route = await custody(['--home', home, 'landing', 'route', 'db1']);
    expect(route.stdout.trim()).toBe('gateway → dmz [primary jump1/ops] → db1');
    const bad = await custody(['--home', home, 'landing', 'add', 'x', '--primary', 'nope/ops']);
    expect(bad.stderr.trim()).toBe("custody: E_NOT_FOUND: account 'nope/ops' not found");
  }, 60_000);
});
