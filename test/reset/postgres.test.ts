// Remote password reset against a real private PostgreSQL. The harness cluster uses
// trust authentication, so to prove a password really changed the test prepends scram-sha-256
// lines for its own roles to pg_hba.conf (found through `SHOW hba_file`) and reloads: those roles
// must then log in with their password, and the old one is refused.
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResetEngine, type ResetTarget, type TargetError } from '../../core/index.ts';
import { PostgresResetConnector } from '../../reset/index.ts';
import { postgresAvailable, startPostgres, type PgInstance } from '../support/postgres.ts';
import { freePort } from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { vaultHas as storedPassword } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const ROLE = 'app-user'; // needs identifier quoting
const ADMIN = 'dbadmin';
const OLD = 'Zq9#Lm2$Vx7!Rt4&Kp1w';
const ADMIN_PW = 'Zq9#Lm2$Vx7!Rt4&Kp2w';
const REAL = { postgres: new PostgresResetConnector({ connectTimeoutMs: 5_000 }) };

let server: PgInstance | null = null;
let v: TestVault | undefined;

async function login(user: string, password: string): Promise<'ok' | string> {
  const c = new pg.Client({ host: server!.host, port: server!.port, user, password, database: 'postgres' });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return 'ok';
  } catch (e) {
    return String((e as { code?: string }).code);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const vaultHas = (name: string): Promise<string> => storedPassword(v!, 'db01', name);

describe.skipIf(!postgresAvailable())('remote reset on a real PostgreSQL (private cluster, loopback)', () => {
  beforeAll(async () => {
    server = await startPostgres();
    const su = new pg.Client({ connectionString: server!.url });
    su.on('error', () => undefined);
    await su.connect();
    try {
      await su.query(`CREATE ROLE "${ROLE}" LOGIN PASSWORD '${OLD}'`);
      await su.query(`CREATE ROLE ${ADMIN} LOGIN SUPERUSER PASSWORD '${ADMIN_PW}'`);
      const hba = (await su.query('SHOW hba_file')).rows[0].hba_file as string;
      writeFileSync(
        hba,
        `host all "${ROLE}",${ADMIN} 127.0.0.1/32 scram-sha-256\n` + readFileSync(hba, 'utf8'),
      );
      await su.query('SELECT pg_reload_conf()');
    } finally {
      await su.end();
    }
    v = await createTestVault();
    await v.core.resources.create(v.host, {
      name: 'db01',
      type: 'postgres',
      dnsName: '127.0.0.1',
      port: server!.port,
    });
    await v.core.accounts.add(v.host, 'db01', ROLE, pw(OLD));
    await v.core.accounts.add(v.host, 'db01', ADMIN, pw(ADMIN_PW));
    expect(await login(ROLE, OLD)).toBe('ok');
  }, 60_000);

  afterAll(async () => {
    await v?.close();
    await server?.stop();
  });

  it('--admin account: ALTER ROLE with a quoted identifier and a literal holding a quote and a backslash; new logs in, old refused', async () => {
    const next = "Yb3%Nc6'Wd1\\Qe5(Hf0z";
    await new ResetEngine(contextOf(v!.core), REAL).resetAccount(v!.host, `db01/${ROLE}`, {
      admin: ADMIN,
      newPassword: pw(next),
    });
    expect(await vaultHas(ROLE)).toBe(next);
    expect(await login(ROLE, next)).toBe('ok');
    expect(await login(ROLE, OLD)).toBe('28P01');
  }, 30_000);

  it('the role itself, generated password from the policy: vault and server agree', async () => {
    const before = await vaultHas(ROLE);
    await new ResetEngine(contextOf(v!.core), REAL).resetAccount(v!.host, `db01/${ROLE}`);
    const now = await vaultHas(ROLE);
    expect(now).not.toBe(before);
    expect(await login(ROLE, now)).toBe('ok');
    expect(await login(ROLE, before)).toBe('28P01');
  }, 30_000);

  it('wrong administrator credential: refused, the vault keeps the password the server still has', async () => {
    const before = await vaultHas(ROLE);
    await v!.core.accounts.changePassword(v!.host, `db01/${ADMIN}`, pw('Zq9#Lm2$Vx7!Rt4&Kp3w'));
    const err = await new ResetEngine(contextOf(v!.core), REAL)
      .resetAccount(v!.host, `db01/${ROLE}`, { admin: ADMIN })
      .catch((e: TargetError) => e);
    expect((err as TargetError).message).toMatch(/refused the credential/);
    expect(await vaultHas(ROLE)).toBe(before);
    expect(await login(ROLE, before)).toBe('ok');
  }, 30_000);

  it('verify: in sync resolves; out of sync (wrong password) is refused; a closed port is unreachable', async () => {
    const target = (port: number): ResetTarget => ({
      resource: 'db01',
      resetKind: 'postgres',
      host: '127.0.0.1',
      port,
    });
    const c = REAL.postgres;
    await expect(c.verify(target(server!.port), ROLE, pw(await vaultHas(ROLE)))).resolves.toBeUndefined();
    await expect(c.verify(target(server!.port), ROLE, pw(OLD))).rejects.toMatchObject({
      details: { reason: 'refused' },
    });
    await expect(c.verify(target(await freePort()), ROLE, pw(OLD))).rejects.toMatchObject({
      details: { reason: 'unreachable' },
    });
  }, 30_000);
});
