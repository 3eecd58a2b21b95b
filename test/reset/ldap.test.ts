// Remote password reset and verification against a REAL private OpenLDAP: slapd with
// an mdb database in a temp directory, on loopback ldap:// and ldaps:// ports, started and stopped
// here. Accounts are named by DN. Shows: self change (RFC 3062 with the old password) and admin
// change (RFC 3062, and the plain `modify` method); new password binds, old one is refused (49);
// ldaps with the test CA trusted and refused when it is not; target down mid-reset; wrong admin
// credential; vault write failing after the target changed, then reconciled; verify in-sync /
// out-of-sync / unreachable; a canary absent from log lines, audit rows and the vault's files.
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResetEngine, type ResetConnector, type ResetTarget, type TargetError } from '../../core/index.ts';
import { LdapResetConnector } from '../../reset/index.ts';
import { PASSWORD_MODIFY_OID } from '../../reset/ldap.ts';
import { startCutProxy } from '../support/cut-proxy.ts';
import { freePort } from '../support/sshd.ts';
import { slapdSkipReason, startSlapd, type SlapdInstance } from '../support/slapd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { failingVaultWrite } from './helpers.ts';
import { auditOf, recordingContext, vaultHas, whereLeaked } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = slapdSkipReason();
const OLD = "Zq9#Lm2'Vx7\\Rt4&Kp1w";
const ADMIN_PW = 'Zq9#Lm2$Vx7!Rt4&Kp2w';
const CANARY = 'Canary#Ldap-4k8W-p2Vn7Ty';
const logLines: string[] = [];

let s: SlapdInstance | null = null;
let v: TestVault;
let REAL: { ldap: LdapResetConnector };
let ALICE = '';
let BOB = '';
let CAROL = '';
let ADMIN = '';
let BADADMIN = '';

/** A simple bind: 'ok', or the LDAP result code (49 = invalidCredentials). */
async function bind(dn: string, password: string, tls = false): Promise<'ok' | number | string> {
  const c = new Client(
    tls
      ? { url: `ldaps://127.0.0.1:${s!.tlsPort}`, tlsOptions: { ca: [s!.caPem] } }
      : { url: `ldap://127.0.0.1:${s!.port}` },
  );
  try {
    await c.bind(dn, password);
    return 'ok';
  } catch (e) {
    return (e as { code?: number | string }).code ?? 'error';
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

function engine(connectors: Record<string, ResetConnector> = REAL, ctx = contextOf(v.core)): ResetEngine {
  const rec = recordingContext(v, logLines, ctx);
  return new ResetEngine(rec.ctx, connectors, { retryDelayMs: 10 });
}
const has = (resource: string, dn: string) => vaultHas(v, resource, dn);
const plain = (port = s!.port): ResetTarget => ({
  resource: 'dir01',
  resetKind: 'ldap',
  host: '127.0.0.1',
  port,
  url: '',
});

describe.skipIf(!!skip)(
  `remote reset on a real OpenLDAP slapd (private mdb, loopback)${skip ? ` — ${skip}` : ''}`,
  () => {
    beforeAll(async () => {
      s = await startSlapd([
        { cn: 'alice', password: OLD },
        { cn: 'bob', password: OLD },
        { cn: 'carol', password: OLD },
        { cn: 'dave', password: OLD },
        { cn: 'pwadmin', password: ADMIN_PW, admin: true },
        { cn: 'otheradmin', password: ADMIN_PW, admin: true },
      ]);
      [ALICE, BOB, CAROL, ADMIN, BADADMIN] = ['alice', 'bob', 'carol', 'pwadmin', 'otheradmin'].map((cn) =>
        s!.dnOf(cn),
      ) as [string, string, string, string, string];
      REAL = { ldap: new LdapResetConnector({ ca: s!.caPem, connectTimeoutMs: 5_000 }) };
      v = await createTestVault();
      await v.core.resources.create(v.host, {
        name: 'dir01',
        type: 'ldap',
        dnsName: '127.0.0.1',
        port: s!.port,
      });
      // The same directory over TLS, chosen by the resource's URL (its port is not 636 here).
      await v.core.resources.create(v.host, {
        name: 'dir-tls',
        type: 'ldap',
        dnsName: '127.0.0.1',
        port: s!.tlsPort,
        url: `ldaps://127.0.0.1:${s!.tlsPort}`,
      });
      for (const res of ['dir01', 'dir-tls']) {
        for (const dn of [ALICE, BOB, CAROL]) await v.core.accounts.add(v.host, res, dn, pw(OLD));
        await v.core.accounts.add(v.host, res, ADMIN, pw(ADMIN_PW));
        await v.core.accounts.add(v.host, res, BADADMIN, pw('Zq9#Lm2$Vx7!Rt4&Kp3w')); // wrong
      }
      expect(await bind(ALICE, OLD)).toBe('ok');
    }, 60_000);

    afterAll(async () => {
      await v?.close();
      await s?.stop();
    });

    it('self change (password-modify with the old password): new binds, old refused (49)', async () => {
      await engine().resetAccount(v.host, `dir01/${ALICE}`);
      const now = await has('dir01', ALICE);
      expect(now).not.toBe(OLD);
      expect(await bind(ALICE, now)).toBe('ok');
      expect(await bind(ALICE, OLD)).toBe(49);
    }, 30_000);

    it('admin change over ldaps (resource URL ldaps://, test CA trusted): a literal quote and backslash survive', async () => {
      const next = "Yb3%Nc6'Wd1\\Qe5(Hf0z";
      await engine().resetAccount(v.host, `dir-tls/${BOB}`, { admin: ADMIN, newPassword: pw(next) });
      expect(await has('dir-tls', BOB)).toBe(next);
      expect(await bind(BOB, next, true)).toBe('ok');
      expect(await bind(BOB, OLD, true)).toBe(49);
    }, 30_000);

    it('ldaps refuses a server whose CA is not trusted: unreachable, nothing changed', async () => {
      const untrusted = { ldap: new LdapResetConnector({ connectTimeoutMs: 5_000 }) };
      const before = await has('dir-tls', CAROL);
      const err = await engine(untrusted)
        .resetAccount(v.host, `dir-tls/${CAROL}`, { admin: ADMIN })
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/certificate is not trusted/);
      expect(await has('dir-tls', CAROL)).toBe(before);
      expect(await bind(CAROL, before)).toBe('ok');
    }, 30_000);

    it('method "modify": self (delete old value, add new) and admin (replace)', async () => {
      const modify = { ldap: new LdapResetConnector({ ca: s!.caPem, method: 'modify' }) };
      await engine(modify).resetAccount(v.host, `dir01/${CAROL}`); // CAROL's value is still as loaded
      const self = await has('dir01', CAROL);
      expect(await bind(CAROL, self)).toBe('ok');
      expect(await bind(CAROL, OLD)).toBe(49);
      await engine(modify).resetAccount(v.host, `dir01/${CAROL}`, { admin: ADMIN });
      const admin = await has('dir01', CAROL);
      expect(await bind(CAROL, admin)).toBe('ok');
      expect(await bind(CAROL, self)).toBe(49);
    }, 30_000);

    it('verify: in sync resolves; out of sync is refused; a closed port is unreachable; an empty password is never sent', async () => {
      const c = REAL.ldap;
      await expect(c.verify(plain(), ALICE, pw(await has('dir01', ALICE)))).resolves.toBeUndefined();
      const tls: ResetTarget = { ...plain(s!.tlsPort), url: 'ldaps://127.0.0.1' };
      await expect(c.verify(tls, ALICE, pw(await has('dir01', ALICE)))).resolves.toBeUndefined();
      await expect(c.verify(plain(), ALICE, pw(OLD))).rejects.toMatchObject({
        details: { reason: 'refused' },
      });
      // An empty password would be an unauthenticated bind, which the server accepts.
      await expect(c.verify(plain(), ALICE, pw(''))).rejects.toMatchObject({
        details: { reason: 'refused' },
      });
      await expect(c.verify(plain(await freePort()), ALICE, pw(OLD))).rejects.toMatchObject({
        details: { reason: 'unreachable' },
      });
    }, 30_000);

    it('wrong administrator credential: refused, the vault keeps the password the directory still has', async () => {
      const before = await has('dir01', ALICE);
      const err = await engine()
        .resetAccount(v.host, `dir01/${ALICE}`, { admin: BADADMIN })
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/refused the credential of 'cn=otheradmin/);
      expect(await has('dir01', ALICE)).toBe(before);
      expect(await bind(ALICE, before)).toBe('ok');
      expect((await auditOf(v, 'password.reset-fail'))[0]).toMatchObject({
        result: 'failure',
        details: { reason: 'refused', login: BADADMIN },
      });
    }, 30_000);

    it('vault write failing after the target changed: alerted, kept pending, reconciled; vault and directory agree', async () => {
      const before = await has('dir01', ALICE);
      const f = failingVaultWrite(v);
      const armAfterChange: ResetConnector = {
        change: async (...a) => {
          await REAL.ldap.change(...a);
          f.arm(true);
        },
      };
      const err = await engine({ ldap: armAfterChange }, f.ctx)
        .resetAccount(v.host, `dir01/${ALICE}`, { admin: ADMIN, newPassword: pw(CANARY) })
        .catch((e: Error) => e);
      expect((err as Error).message).toMatch(/vault write failed 3 times.*kept in pending reset/);
      expect(await has('dir01', ALICE)).toBe(before);
      expect(await bind(ALICE, CANARY)).toBe('ok'); // the directory already has it
      expect(await auditOf(v, 'password.reset-vault-alert')).toHaveLength(1);
      f.arm(false);
      expect(await engine().reconcile()).toEqual({ completed: [`dir01/${ALICE}`], unresolved: [] });
      expect(await has('dir01', ALICE)).toBe(CANARY);
      await expect(REAL.ldap.verify(plain(), ALICE, pw(await has('dir01', ALICE)))).resolves.toBeUndefined();
      expect(await bind(ALICE, before)).toBe(49);
      expect(await auditOf(v, 'password.reset-reconciled')).toHaveLength(1);
    }, 30_000);

    it('connection cut while the password-modify request is in flight: after it ran, the new password is found to have taken; before it ran, unreachable and nothing changed', async () => {
      const DAVE = s!.dnOf('dave');
      const proxy = await startCutProxy(s!.port, PASSWORD_MODIFY_OID);
      try {
        await v.core.resources.create(v.host, {
          name: 'dir-cut',
          type: 'ldap',
          dnsName: '127.0.0.1',
          port: proxy.port,
        });
        await v.core.accounts.add(v.host, 'dir-cut', DAVE, pw(OLD));
        await v.core.accounts.add(v.host, 'dir-cut', ADMIN, pw(ADMIN_PW));
        proxy.arm('after-reply');
        await engine().resetAccount(v.host, `dir-cut/${DAVE}`, { admin: ADMIN });
        expect(proxy.cuts()).toBe(1);
        const now = await has('dir-cut', DAVE);
        expect(await bind(DAVE, now)).toBe('ok');
        expect(await bind(DAVE, OLD)).toBe(49);
        proxy.arm('before-send');
        const err = await engine()
          .resetAccount(v.host, `dir-cut/${DAVE}`, { admin: ADMIN })
          .catch((e: TargetError) => e);
        expect(proxy.cuts()).toBe(2);
        expect((err as TargetError).message).toMatch(/unreachable/);
        expect(await has('dir-cut', DAVE)).toBe(now);
        expect(await bind(DAVE, now)).toBe('ok');
      } finally {
        await proxy.close();
      }
    }, 30_000);

    it('the canary password reached no log line, audit row or vault file', async () => {
      expect(await whereLeaked(v, logLines, CANARY)).toEqual([]);
      expect(await v.core.audit.verify(v.host)).toMatchObject({ ok: true });
    });

    it('target down in the middle of a reset (slapd stopped after the pending row): old password kept, audit says unreachable', async () => {
      const before = await has('dir01', BOB);
      const stopThenChange: ResetConnector = {
        change: async (...a) => {
          await s!.stop();
          return REAL.ldap.change(...a);
        },
      };
      const err = await engine({ ldap: stopThenChange })
        .resetAccount(v.host, `dir01/${BOB}`, { admin: ADMIN })
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/unreachable/);
      expect(await has('dir01', BOB)).toBe(before);
      expect((await auditOf(v, 'password.reset-fail'))[0]).toMatchObject({
        result: 'failure',
        details: { reason: 'unreachable' },
      });
      expect(await contextOf(v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
    }, 30_000);
  },
);
