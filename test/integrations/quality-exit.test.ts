// The password-quality exit (an external validator of new passwords) through the real services: a
// stand-in validator command (test/support/quality-exit-stub.mjs) and a local HTTP server standing
// in for a validator endpoint. Covers accept and deny messages, every hook (account add, change,
// import, login password set), the timeout policy for undeniable and deniable users, and that the
// password never reaches the validator's argv or environment.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, CustodyError, type Actor, type QualityExit } from '../../core/index.ts';
import { CommandQualityExit, HttpQualityExit } from '../../integrations/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const STUB = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'support',
  'quality-exit-stub.mjs',
);
const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8wA';
const DICT = 'Zq9#Password$Vx7!Rt4&K';
const CANARY = 'Canary#4417$Quality!Exit';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof CustodyError ? `${e.code}: ${e.message}` : String(e)),
  );

interface Harness {
  v: TestVault;
  core: Core;
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
  user: Actor;
  sup: Actor;
}

async function harness(exit: (home: string) => QualityExit): Promise<Harness> {
  const v = await createTestVault();
  const logs: Harness['logs'] = [];
  const core = new Core({
    ...contextOf(v.core).deps,
    qualityExit: exit(v.home),
    logger: {
      log: (level, message, fields) => void logs.push({ level, message, ...(fields ? { fields } : {}) }),
    },
  });
  // Users are made before the exit matters (by the harness's plain core).
  const user = await v.addUser('pam', 'password-admin');
  const sup = await v.addUser('sup', 'admin', { superAdmin: true });
  await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
  await v.core.sharing.grant(
    v.host,
    { kind: 'resource', name: 'web01' },
    { kind: 'user', name: 'pam' },
    'manage',
  );
  return { v, core, logs, user, sup };
}

async function audits(h: Harness, type: string) {
  return (await h.v.core.audit.query(h.v.host, { limit: 10_000 }))
    .filter((r) => r.type === type)
    .sort((a, b) => a.seq - b.seq);
}

describe('password-quality exit as a command (stand-in validator script)', () => {
  let h: Harness;
  const record = () => path.join(h.v.home, 'exit-record.jsonl');
  beforeAll(async () => {
    h = await harness(
      (home) =>
        new CommandQualityExit(
          process.execPath,
          [STUB, 'deny-dictionary', path.join(home, 'exit-record.jsonl')],
          5000,
        ),
    );
  }, 60_000);
  afterAll(async () => h?.v.close());

  it('accepts, and the validator sees the password only on stdin (not argv, not env)', async () => {
    expect(await code(h.core.accounts.add(h.user, 'web01', 'app', pw(CANARY)))).toBe('ok');
    const lines = (await readFile(record(), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const seen = lines.at(-1);
    expect(seen.stdin).toMatchObject({
      kind: 'account',
      subject: 'web01/app',
      requester: 'pam',
      password: CANARY,
    });
    expect(JSON.stringify(seen.argv)).not.toContain(CANARY);
    expect(JSON.stringify(seen.env)).not.toContain(CANARY);
    expect(Object.keys(seen.env).filter((k) => k !== 'PATH')).toEqual([]);
  });

  it('denies with the validator message on add, change, import and login password set', async () => {
    const deny =
      /^E_POLICY: password rejected by the quality check: contains the dictionary word "password"$/;
    expect(await code(h.core.accounts.add(h.user, 'web01', 'dict', pw(DICT)))).toMatch(deny);
    await h.core.accounts.add(h.user, 'web01', 'chg', pw(GOOD));
    expect(await code(h.core.accounts.changePassword(h.user, 'web01/chg', pw(DICT)))).toMatch(deny);
    expect(
      await code(
        h.core.users.create(h.sup, { username: 'newbie', role: 'password-user', password: pw(DICT) }),
      ),
    ).toMatch(deny);
    expect(await code(h.core.users.setPassword(h.sup, 'pam', pw(DICT)))).toMatch(deny);
    const rep = await h.core.imports.importResources(
      h.user,
      'r.csv',
      `Resource Name,Account Name,Password\nimp-res,imp,${DICT}\n`,
    );
    expect(JSON.stringify(rep)).toMatch(/E_POLICY/);
    expect((await audits(h, 'password.quality-deny')).length).toBeGreaterThanOrEqual(4);
    const uimp = await h.core.imports.importUsers(
      h.sup,
      'u.csv',
      `First Name,Last Name,User Name,Email Address,Password\nA,B,imported,a@b.example,${DICT}\n`,
    );
    expect(JSON.stringify(uimp)).toMatch(/E_POLICY/);
  });
});

describe('password-quality exit timeout policy (stand-in validator script that never answers)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(
      (home) => new CommandQualityExit(process.execPath, [STUB, 'slow', path.join(home, 'slow.jsonl')], 300),
    );
  }, 60_000);
  afterAll(async () => h?.v.close());

  it('a deniable user is denied, and an alert is raised (audit Q101 + log line)', async () => {
    const t0 = Date.now();
    expect(await code(h.core.accounts.add(h.user, 'web01', 'x1', pw(GOOD)))).toMatch(
      /^E_POLICY: the password-quality check did not answer \(no answer within 300 ms\)/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    const rows = await audits(h, 'password.quality-exit-timeout');
    expect(rows.at(-1)).toMatchObject({ actor: 'pam', result: 'failure' });
    expect(JSON.parse(String(rows.at(-1)!.details))).toMatchObject({ undeniable: false });
    expect(h.logs.some((l) => l.level === 'warn' && l.message === 'quality-exit.unavailable')).toBe(true);
  });

  it('an undeniable user (super administrator) falls back to the built-in policy, with an alert', async () => {
    const before = (await audits(h, 'password.quality-exit-timeout')).length;
    expect(await code(h.core.accounts.add(h.sup, 'web01', 'x2', pw(GOOD)))).toBe('ok');
    // The built-in check still applies in the fallback.
    expect(await code(h.core.accounts.add(h.sup, 'web01', 'x3', pw('short')))).toMatch(
      /^E_POLICY: password does not satisfy policy/,
    );
    const rows = await audits(h, 'password.quality-exit-timeout');
    expect(rows.length).toBe(before + 2);
    expect(JSON.parse(String(rows.at(-1)!.details))).toMatchObject({ undeniable: true });
    expect(h.logs.filter((l) => l.fields?.action === 'built-in policy check used instead').length).toBe(2);
  });

  it('the host administrator is undeniable too', async () => {
    expect(await code(h.core.users.setPassword(h.v.host, 'pam', pw(GOOD)))).toBe('ok');
  });
});

describe('password-quality exit over HTTP (local HTTP server standing in for the validator)', () => {
  let h: Harness;
  let server: http.Server;
  let slow = false;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (slow) return void setTimeout(() => res.end('{}'), 4000);
        const r = JSON.parse(body) as { password: string };
        const accept = !/password/i.test(r.password);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accept, message: accept ? 'ok' : 'too guessable' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
    h = await harness(() => new HttpQualityExit(url, 1500));
  }, 60_000);
  afterAll(async () => {
    await h?.v.close();
    await new Promise((r) => server?.close(r));
  });

  it('accepts and denies with the message', async () => {
    expect(await code(h.core.accounts.add(h.user, 'web01', 'h1', pw(GOOD)))).toBe('ok');
    expect(await code(h.core.accounts.add(h.user, 'web01', 'h2', pw(DICT)))).toBe(
      'E_POLICY: password rejected by the quality check: too guessable',
    );
  });

  it('times out: deniable denied, undeniable falls back', async () => {
    slow = true;
    expect(await code(h.core.accounts.add(h.user, 'web01', 'h3', pw(GOOD)))).toMatch(
      /did not answer \(no answer within 1500 ms\)/,
    );
    expect(await code(h.core.accounts.add(h.sup, 'web01', 'h4', pw(GOOD)))).toBe('ok');
    slow = false;
  });
});
