// The real `custody` process: `passwd` (a user changes their own login password), `ticketing` and
// `account reveal --ticket` against a local HTTP server standing in for the ticketing system.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { writeTestConfig } from '../support/vault.ts';

describe('custody passwd and ticketing (CLI; local HTTP server standing in for the ticketing system)', () => {
  let home: string;
  let server: http.Server;
  const f = (name: string) => path.join(home, name);
  const run = (...args: string[]) => custody(['--home', home, ...args]);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const open = req.url === '/t/INC-9';
      if (!open) return void res.writeHead(404).end('{}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'Open' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-self-'));
    await writeTestConfig(home);
    await writeFile(f('admin.pw'), 'Root-Test-Pass#2026\n');
    await writeFile(f('alice.pw'), 'Qz7#kT!wm2Rv@9LnXcJ\n');
    await writeFile(f('alice-new.pw'), 'Nw4#Self$Serve!Pass9z\n');
    await writeFile(f('wrong.pw'), 'not-the-password\n');
    await writeFile(f('acct.pw'), 'Zq9#Lm2$Vx7!Rt4&Kp8wA\n');
    const port = (server.address() as AddressInfo).port;
    await writeFile(
      f('ticketing.json'),
      JSON.stringify({ enabled: true, url: `http://127.0.0.1:${port}/t/{id}`, timeoutMs: 2000 }),
    );
    for (const args of [
      ['init', '--admin-password-file', f('admin.pw')],
      ['user', 'add', 'alice', '--role', 'password-user', '--password-file', f('alice.pw')],
      ['resource', 'add', 'web01', '--type', 'linux', '--host', 'web01.example'],
      ['account', 'add', 'web01', 'root', '--password-file', f('acct.pw')],
      ['share', 'web01', '--user', 'alice', '--privilege', 'view'],
    ]) {
      const r = await run(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('passwd needs --as, refuses a wrong old password, and changes it with the right one', async () => {
    const noAs = await run('passwd', '--old-file', f('alice.pw'), '--new-file', f('alice-new.pw'));
    expect(noAs.code).toBe(2);
    expect(noAs.stderr).toMatch(/^custody: E_USAGE: passwd changes your own password/);
    const wrong = await run(
      '--as',
      'alice',
      '--password-file',
      f('alice.pw'),
      'passwd',
      '--old-file',
      f('wrong.pw'),
      '--new-file',
      f('alice-new.pw'),
    );
    expect(wrong.stderr.trim()).toBe('custody: E_AUTH: the old password is wrong');
    const rules = await run('--as', 'alice', '--password-file', f('alice.pw'), 'passwd', '--rules', '--json');
    expect(JSON.parse(rules.stdout)).toMatchObject({ policies: ['Medium'], minLength: 12 });
    const ok = await run(
      '--as',
      'alice',
      '--password-file',
      f('alice.pw'),
      'passwd',
      '--old-file',
      f('alice.pw'),
      '--new-file',
      f('alice-new.pw'),
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('password changed for alice');
    const login = await run('--as', 'alice', '--password-file', f('alice-new.pw'), 'account', 'list');
    expect(login.code).toBe(0);
  });

  it('ticketing settings, then account reveal needs --ticket', async () => {
    const set = await run('ticketing', '--file', f('ticketing.json'), '--json');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ enabled: true, requireForRetrieve: true });
    const as = ['--as', 'alice', '--password-file', f('alice-new.pw')];
    const none = await run(...as, 'account', 'reveal', 'web01/root');
    expect(none.stderr.trim()).toBe(
      'custody: E_FORBIDDEN: a ticket id is required for this operation (--ticket ID)',
    );
    const bad = await run(...as, 'account', 'reveal', 'web01/root', '--ticket', 'INC-1');
    expect(bad.stderr.trim()).toBe("custody: E_FORBIDDEN: ticket 'INC-1' does not exist");
    const good = await run(...as, 'account', 'reveal', 'web01/root', '--ticket', 'INC-9');
    expect(good.stderr).toBe('');
    expect(good.stdout.trim()).toBe('Zq9#Lm2$Vx7!Rt4&Kp8wA');
  });
});
