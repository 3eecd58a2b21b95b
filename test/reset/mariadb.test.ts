// Remote password reset and verification against a REAL private MariaDB: its own temp
// datadir and a loopback port, started and stopped here. Shows: new password logs in and the old
// one is refused (admin ALTER USER, self SET PASSWORD, `user@host` naming, a literal holding a
// quote and a backslash); target down mid-reset; wrong admin credential; vault write failing
// after the target changed, then reconciled; verify in-sync / out-of-sync / unreachable; a
// canary password absent from log lines, audit rows and the vault's files.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResetEngine, type ResetConnector, type ResetTarget, type TargetError } from '../../core/index.ts';
import { MariaDbResetConnector } from '../../reset/index.ts';
import { mysqlLiteral, splitMysqlAccount } from '../../reset/mariadb.ts';
import {
  MARIADB_SKIP_REASON,
  mariadbAvailable,
  startMariaDb,
  type MariaDbInstance,
} from '../support/mariadb.ts';
import { startCutProxy } from '../support/cut-proxy.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { failingVaultWrite } from './helpers.ts';
import { auditOf, recordingContext, vaultHas, whereLeaked } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const available = mariadbAvailable();
const USER = 'app';
const HOSTED = 'svc@127.0.0.1'; // an account named with its host part
const ADMIN = 'dbadmin';
const OLD = "Zq9#Lm2'Vx7\\Rt4&Kp1w"; // a quote and a backslash, from the first statement on
const ADMIN_PW = 'Zq9#Lm2$Vx7!Rt4&Kp2w';
const ADMIN2 = 'dbadmin2'; // a real administrator whose vaulted password is wrong
const CANARY = 'Canary#MariaDb-7f3Q-x9Lm';
const REAL = { mysql: new MariaDbResetConnector({ connectTimeoutMs: 5_000 }) };

let db: MariaDbInstance | null = null;
let v: TestVault;
const logLines: string[] = [];

async function login(port: number, account: string, password: string): Promise<'ok' | string> {
  const [user] = splitMysqlAccount(account);
  try {
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port,
      user,
      password,
      connectTimeout: 5_000,
    });
    await c.end();
    return 'ok';
  } catch (e) {
    return String((e as { code?: string }).code);
  }
}

function engine(connectors: Record<string, ResetConnector> = REAL): ResetEngine {
  const { ctx } = recordingContext(v, logLines);
  return new ResetEngine(ctx, connectors, { retryDelayMs: 10 });
}

const target = (port: number): ResetTarget => ({
  resource: 'db01',
  resetKind: 'mysql',
  host: '127.0.0.1',
  port,
});
const has = (account: string) => vaultHas(v, 'db01', account);

describe('MySQL literal quoting (no server)', () => {
  it('doubles quotes always and backslashes unless NO_BACKSLASH_ESCAPES; splits user@host at the last @', () => {
    expect(mysqlLiteral("a'b\\c", false)).toBe("'a''b\\\\c'");
    expect(mysqlLiteral("a'b\\c", true)).toBe("'a''b\\c'");
    expect(splitMysqlAccount('app')).toEqual(['app', '%']);
    expect(splitMysqlAccount('svc@127.0.0.1')).toEqual(['svc', '127.0.0.1']);
    expect(splitMysqlAccount('a@b@localhost')).toEqual(['a@b', 'localhost']);
  });
});

describe.skipIf(!available)(
  `remote reset on a real MariaDB (private datadir, loopback)${available ? '' : ` — ${MARIADB_SKIP_REASON}`}`,
  () => {
    beforeAll(async () => {
      db = await startMariaDb();
      const lit = (s: string) => mysqlLiteral(s, false);
      await db!.root(`CREATE USER ${lit(USER)}@'%' IDENTIFIED BY ${lit(OLD)}`);
      await db!.root(`CREATE USER 'svc'@'127.0.0.1' IDENTIFIED BY ${lit(OLD)}`);
      await db!.root(`CREATE USER ${ADMIN}@'%' IDENTIFIED BY ${lit(ADMIN_PW)}`);
      await db!.root(`GRANT ALL PRIVILEGES ON *.* TO ${ADMIN}@'%' WITH GRANT OPTION`);
      await db!.root(`CREATE USER ${ADMIN2}@'%' IDENTIFIED BY 'Zq9#Lm2$Vx7!Rt4&Kp4w'`);
      await db!.root(`GRANT ALL PRIVILEGES ON *.* TO ${ADMIN2}@'%' WITH GRANT OPTION`);
      v = await createTestVault();
      await v.core.resources.create(v.host, {
        name: 'db01',
        type: 'mysql',
        dnsName: '127.0.0.1',
        port: db!.port,
      });
      for (const [name, secret] of [
        [USER, OLD],
        [HOSTED, OLD],
        [ADMIN, ADMIN_PW],
        [ADMIN2, 'Zq9#Lm2$Vx7!Rt4&Kp3w'],
      ] as const)
        await v.core.accounts.add(v.host, 'db01', name, pw(secret));
      expect(await login(db!.port, USER, OLD)).toBe('ok');
    }, 90_000);

    afterAll(async () => {
      await v?.close();
      await db?.stop();
    });

    it('--admin: ALTER USER with a literal holding a quote and a backslash; new logs in, old refused (1045)', async () => {
      const next = "Yb3%Nc6'Wd1\\Qe5(Hf0z";
      await engine().resetAccount(v.host, `db01/${USER}`, { admin: ADMIN, newPassword: pw(next) });
      expect(await has(USER)).toBe(next);
      expect(await login(db!.port, USER, next)).toBe('ok');
      expect(await login(db!.port, USER, OLD)).toBe('ER_ACCESS_DENIED_ERROR');
      expect(await auditOf(v, 'password.reset')).toContainEqual(
        expect.objectContaining({ result: 'success', details: expect.objectContaining({ login: ADMIN }) }),
      );
    }, 30_000);

    it('the account itself (SET PASSWORD), generated password; an account named user@host', async () => {
      for (const account of [USER, HOSTED]) {
        const before = await has(account);
        await engine().resetAccount(v.host, `db01/${account}`);
        const now = await has(account);
        expect(now).not.toBe(before);
        expect(await login(db!.port, account, now)).toBe('ok');
        expect(await login(db!.port, account, before)).toBe('ER_ACCESS_DENIED_ERROR');
      }
      // The host part was honoured: the grant row for 'svc'@'127.0.0.1' was the one changed.
      expect(
        await db!.root<unknown[]>(`SELECT 1 FROM mysql.user WHERE user='svc' AND host='127.0.0.1'`),
      ).toHaveLength(1);
    }, 30_000);

    it('verify: in sync resolves; out of sync is refused; a stopped port is unreachable', async () => {
      const c = REAL.mysql;
      await expect(c.verify(target(db!.port), USER, pw(await has(USER)))).resolves.toBeUndefined();
      await expect(c.verify(target(db!.port), USER, pw(OLD))).rejects.toMatchObject({
        details: { reason: 'refused' },
      });
      const closed = (await import('../support/sshd.ts')).freePort;
      await expect(c.verify(target(await closed()), USER, pw(OLD))).rejects.toMatchObject({
        details: { reason: 'unreachable' },
      });
    }, 30_000);

    it('wrong administrator credential: refused, the vault keeps the password the server still has', async () => {
      const before = await has(USER);
      const err = await engine()
        .resetAccount(v.host, `db01/${USER}`, { admin: ADMIN2 })
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/refused the credential of 'dbadmin2'/);
      expect(await has(USER)).toBe(before);
      expect(await login(db!.port, USER, before)).toBe('ok');
      expect((await auditOf(v, 'password.reset-fail'))[0]).toMatchObject({
        result: 'failure',
        details: { reason: 'refused', login: ADMIN2 },
      });
    }, 30_000);

    it('vault write failing after the target changed: alerted, kept pending, reconciled; vault and server agree', async () => {
      const before = await has(USER);
      const f = failingVaultWrite(v);
      const armAfterChange: ResetConnector = {
        change: async (...a) => {
          await REAL.mysql.change(...a);
          f.arm(true);
        },
      };
      const err = await new ResetEngine(
        recordingContext(v, logLines, f.ctx).ctx,
        { mysql: armAfterChange },
        { retryDelayMs: 10 },
      )
        .resetAccount(v.host, `db01/${USER}`, { admin: ADMIN, newPassword: pw(CANARY) })
        .catch((e: Error) => e);
      expect((err as Error).message).toMatch(/vault write failed 3 times.*kept in pending reset/);
      expect(await has(USER)).toBe(before);
      expect(await login(db!.port, USER, CANARY)).toBe('ok'); // the server already has it
      expect(await auditOf(v, 'password.reset-vault-alert')).toHaveLength(1);
      f.arm(false);
      expect(await engine().reconcile()).toEqual({ completed: [`db01/${USER}`], unresolved: [] });
      expect(await has(USER)).toBe(CANARY);
      await expect(REAL.mysql.verify(target(db!.port), USER, pw(await has(USER)))).resolves.toBeUndefined();
      expect(await login(db!.port, USER, before)).toBe('ER_ACCESS_DENIED_ERROR');
      expect(await auditOf(v, 'password.reset-reconciled')).toHaveLength(1);
    }, 30_000);

    it('connection cut while ALTER USER is in flight: after it ran, the connector finds the new password took; before it ran, unreachable and nothing changed', async () => {
      await db!.root(`CREATE USER 'cut'@'%' IDENTIFIED BY 'Zq9#Lm2$Vx7!Rt4&Kp8w'`);
      const proxy = await startCutProxy(db!.port, 'ALTER USER');
      try {
        await v.core.resources.create(v.host, {
          name: 'db-cut',
          type: 'mysql',
          dnsName: '127.0.0.1',
          port: proxy.port,
        });
        await v.core.accounts.add(v.host, 'db-cut', 'cut', pw('Zq9#Lm2$Vx7!Rt4&Kp8w'));
        await v.core.accounts.add(v.host, 'db-cut', ADMIN, pw(ADMIN_PW));
        proxy.arm('after-reply');
        await engine().resetAccount(v.host, 'db-cut/cut', { admin: ADMIN });
        expect(proxy.cuts()).toBe(1);
        const now = await vaultHas(v, 'db-cut', 'cut');
        expect(await login(db!.port, 'cut', now)).toBe('ok');
        expect(await login(db!.port, 'cut', 'Zq9#Lm2$Vx7!Rt4&Kp8w')).toBe('ER_ACCESS_DENIED_ERROR');
        proxy.arm('before-send');
        const err = await engine()
          .resetAccount(v.host, 'db-cut/cut', { admin: ADMIN })
          .catch((e: TargetError) => e);
        expect(proxy.cuts()).toBe(2);
        expect((err as TargetError).message).toMatch(/dropped the connection/);
        expect(await vaultHas(v, 'db-cut', 'cut')).toBe(now);
        expect(await login(db!.port, 'cut', now)).toBe('ok');
        expect((await auditOf(v, 'password.reset-fail'))[0]).toMatchObject({
          details: { reason: 'unreachable' },
        });
      } finally {
        await proxy.close();
      }
    }, 30_000);

    it('the canary password reached no log line, audit row or vault file', async () => {
      expect(await whereLeaked(v, logLines, CANARY)).toEqual([]);
      expect(await v.core.audit.verify(v.host)).toMatchObject({ ok: true });
    });

    it('target down in the middle of a reset (server stopped after the pending row): old password kept, audit says unreachable', async () => {
      const before = await has(USER);
      const stopThenChange: ResetConnector = {
        change: async (...a) => {
          await db!.stop();
          return REAL.mysql.change(...a);
        },
      };
      const err = await engine({ mysql: stopThenChange })
        .resetAccount(v.host, `db01/${USER}`, { admin: ADMIN })
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/unreachable/);
      expect(await has(USER)).toBe(before);
      expect((await auditOf(v, 'password.reset-fail'))[0]).toMatchObject({
        result: 'failure',
        details: { reason: 'unreachable' },
      });
      expect(await contextOf(v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
    }, 30_000);
  },
);
