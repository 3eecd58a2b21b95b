// `custody reset` through the real CLI process against a real private MariaDB and a real private
// slapd: the composition root registers the `mysql` and `ldap` connectors, an LDAP account is
// named by its DN, and ldaps trusts the test CA through NODE_EXTRA_CA_CERTS (no Custody option).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { mariadbAvailable, startMariaDb, type MariaDbInstance } from '../support/mariadb.ts';
import { slapdSkipReason, startSlapd, type SlapdInstance } from '../support/slapd.ts';
import { writeTestConfig } from '../support/vault.ts';

const OLD = 'Zq9#Lm2$Vx7!Rt4&Kp6w';
const ADMIN_PW = 'Zq9#Lm2$Vx7!Rt4&Kp7w';
const skip = !mariadbAvailable() || !!slapdSkipReason();

describe.skipIf(skip)(
  `custody reset (CLI) on real MariaDB and slapd${skip ? ' — skipped: mariadb-server, slapd or openssl not installed' : ''}`,
  () => {
    let home: string;
    let db: MariaDbInstance | null = null;
    let dir: SlapdInstance | null = null;
    const run = (...args: string[]) => custody([...args, '--home', home]);
    const reveal = async (ref: string) =>
      (await run('account', 'reveal', ref)).stdout.trim().split('\n').pop()!.trim();

    beforeAll(async () => {
      home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-dbreset-'));
      await writeTestConfig(home);
      db = await startMariaDb();
      await db!.root(`CREATE USER 'app'@'%' IDENTIFIED BY '${OLD}'`);
      dir = await startSlapd([
        { cn: 'alice', password: OLD },
        { cn: 'pwadmin', password: ADMIN_PW, admin: true },
      ]);
      expect((await run('init')).code).toBe(0);
      await writeFile(path.join(home, 'old'), OLD + '\n', { mode: 0o600 });
      await writeFile(path.join(home, 'adm'), ADMIN_PW + '\n', { mode: 0o600 });
      const steps = [
        ['resource', 'add', 'db01', '--type', 'mysql', '--host', '127.0.0.1', '--port', String(db!.port)],
        ['account', 'add', 'db01', 'app', '--password-file', path.join(home, 'old')],
        [
          'resource',
          'add',
          'dir01',
          '--type',
          'ldap',
          '--host',
          '127.0.0.1',
          '--port',
          String(dir!.tlsPort),
          '--url',
          `ldaps://127.0.0.1:${dir!.tlsPort}`,
        ],
        ['account', 'add', 'dir01', dir!.dnOf('alice'), '--password-file', path.join(home, 'old')],
        ['account', 'add', 'dir01', dir!.dnOf('pwadmin'), '--password-file', path.join(home, 'adm')],
      ];
      for (const s of steps) expect((await run(...s)).stderr).toBe('');
    }, 90_000);

    afterAll(async () => {
      await db?.stop();
      await dir?.stop();
      await rm(home, { recursive: true, force: true });
    });

    it('custody reset db01/app: the new password logs in to MariaDB, the old one is refused', async () => {
      const r = await run('reset', 'db01/app');
      expect(r.code).toBe(0);
      const now = await reveal('db01/app');
      expect(r.stdout + r.stderr).not.toContain(now);
      const login = async (password: string) =>
        mysql.createConnection({ host: '127.0.0.1', port: db!.port, user: 'app', password }).then(
          async (c) => (await c.end(), 'ok'),
          (e: { code?: string }) => e.code,
        );
      expect(await login(now)).toBe('ok');
      expect(await login(OLD)).toBe('ER_ACCESS_DENIED_ERROR');
    }, 60_000);

    it('custody reset over ldaps with --admin DN, CA trusted through NODE_EXTRA_CA_CERTS', async () => {
      const alice = `dir01/${dir!.dnOf('alice')}`;
      process.env.NODE_EXTRA_CA_CERTS = dir!.caFile; // custody() passes the environment on
      try {
        const r = await run('reset', alice, '--admin', dir!.dnOf('pwadmin'));
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      } finally {
        delete process.env.NODE_EXTRA_CA_CERTS;
      }
      const now = await reveal(alice);
      const bind = async (password: string) => {
        const c = new Client({ url: `ldaps://127.0.0.1:${dir!.tlsPort}`, tlsOptions: { ca: [dir!.caPem] } });
        return c
          .bind(dir!.dnOf('alice'), password)
          .then(
            () => 'ok',
            (e: { code?: number }) => e.code,
          )
          .finally(() => c.unbind().catch(() => undefined));
      };
      expect(await bind(now)).toBe('ok');
      expect(await bind(OLD)).toBe(49);
      // Without the CA the same reset is refused as untrusted, and nothing changes.
      const r2 = await run('reset', alice, '--admin', dir!.dnOf('pwadmin'));
      expect(r2.code).not.toBe(0);
      expect(r2.stderr).toMatch(/certificate is not trusted/);
      expect(await reveal(alice)).toBe(now);
    }, 60_000);
  },
);
