// Remote password reset against a real sshd and real Linux users: direct `passwd` over a
// pty, `sudo chpasswd`, and fault injection (target down mid-reset, wrong administrator credential,
// vault write failing after the target changed), plus reset on check-in.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessService, ResetEngine, type ResetConnector, type TargetError } from '../../core/index.ts';
import { SshUnixResetConnector } from '../../reset/index.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { failingVaultWrite, sshLogin } from './helpers.ts';
import { vaultHas as storedPassword } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason();
const hasSudo = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v sudo'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
const REAL = { unix: new SshUnixResetConnector({ timeoutMs: 20_000 }) };
const START = (n: string) => `Zq9#Lm2$Vx7!Rt4&Kp${n}w`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface World {
  v: TestVault;
  sshd: SshdInstance;
  user: TestUser;
  ref: string;
}

async function world(label: string, extraUsers: TestUser[] = []): Promise<World> {
  const user = createTestUser(label, { password: START('1') });
  cleanups.push(() => user.remove());
  const sshd = await startSshd({ allowUsers: [user.name, ...extraUsers.map((u) => u.name)] });
  cleanups.push(() => sshd.stop());
  const v = await createTestVault();
  cleanups.push(() => v.close());
  await v.core.resources.create(v.host, {
    name: 'web01',
    type: 'linux',
    dnsName: '127.0.0.1',
    port: sshd.port,
  });
  await v.core.accounts.add(v.host, 'web01', user.name, pw(user.password));
  return { v, sshd, user, ref: `web01/${user.name}` };
}

/** What the vault holds, read beneath the access-control workflow (the test is not a user). */
const vaultHas = (w: World): Promise<string> => storedPassword(w.v, 'web01', w.user.name);
const auditOf = async (w: World, type: string) =>
  (await w.v.core.audit.query(w.v.host, { type, limit: 100 })).map((r) => ({
    result: r.result,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));

describe.skipIf(!!skip)('remote reset over SSH (real sshd, real Linux users)', () => {
  it('direct login + passwd over a pty: the new password logs in, the old one is refused, history keeps the old', async () => {
    const w = await world('rsdirect');
    const engine = new ResetEngine(contextOf(w.v.core), REAL);
    await engine.resetAccount(w.v.host, w.ref);
    const now = await vaultHas(w);
    expect(now).not.toBe(w.user.password);
    expect(await sshLogin(w.sshd.port, w.user.name, now)).toBe(true);
    expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
    expect(await w.v.core.accounts.history(w.v.host, w.ref)).toHaveLength(1);
    expect(await auditOf(w, 'password.reset')).toEqual([
      expect.objectContaining({ result: 'success', details: expect.objectContaining({ login: 'self' }) }),
    ]);
    expect(await contextOf(w.v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
  }, 60_000);

  it.skipIf(!hasSudo)(
    `administrator account + sudo chpasswd (password on stdin)${hasSudo ? '' : ' — skipped: sudo not installed'}`,
    async () => {
      const admin = createTestUser('rsadm', { password: START('2') });
      cleanups.push(() => admin.remove());
      const sudoers = `/etc/sudoers.d/custody-${admin.name}`;
      writeFileSync(sudoers, `${admin.name} ALL=(root) /usr/sbin/chpasswd\n`, { mode: 0o440 });
      cleanups.push(() => rmSync(sudoers, { force: true }));
      const w = await world('rssudo', [admin]);
      await w.v.core.accounts.add(w.v.host, 'web01', admin.name, pw(admin.password));
      await new ResetEngine(contextOf(w.v.core), REAL).resetAccount(w.v.host, w.ref, { admin: admin.name });
      const now = await vaultHas(w);
      expect(await sshLogin(w.sshd.port, w.user.name, now)).toBe(true);
      expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
    },
    60_000,
  );

  it('the host key is pinned at the first reset; after it changes, a reset is refused and the vault keeps its password', async () => {
    const w = await world('rshostkey');
    const engine = new ResetEngine(contextOf(w.v.core), REAL);
    await engine.resetAccount(w.v.host, w.ref);
    const pinned = await vaultHas(w);
    expect((await auditOf(w, 'host-key.recorded')).length).toBe(1);
    await w.sshd.rotateHostKey();
    await expect(engine.resetAccount(w.v.host, w.ref)).rejects.toThrow(/host key of 'web01' changed/);
    expect(await vaultHas(w)).toBe(pinned);
    expect(await sshLogin(w.sshd.port, w.user.name, pinned)).toBe(true);
    expect((await auditOf(w, 'host-key.mismatch')).length).toBe(1);
  });

  it('target down in the middle (sshd stopped after the pending row is written): the vault keeps the old password, audit says unreachable', async () => {
    const w = await world('rsdown');
    const stopThenChange: ResetConnector = {
      change: async (...a) => {
        await w.sshd.stop();
        return REAL.unix.change(...a);
      },
    };
    const err = await new ResetEngine(contextOf(w.v.core), { unix: stopThenChange })
      .resetAccount(w.v.host, w.ref)
      .catch((e: TargetError) => e);
    expect((err as TargetError).code).toBe('E_TARGET');
    expect((err as TargetError).message).toMatch(/unreachable/);
    expect((err as TargetError).message).not.toContain('\n');
    expect(await vaultHas(w)).toBe(w.user.password);
    expect(await auditOf(w, 'password.reset-fail')).toEqual([
      expect.objectContaining({
        result: 'failure',
        details: expect.objectContaining({ reason: 'unreachable' }),
      }),
    ]);
    expect(await contextOf(w.v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
  }, 60_000);

  it('wrong administrator credential: refused, the vault and the target keep the old password', async () => {
    const admin = createTestUser('rswadm', { password: START('3') });
    cleanups.push(() => admin.remove());
    const w = await world('rswrong', [admin]);
    await w.v.core.accounts.add(w.v.host, 'web01', admin.name, pw(START('4'))); // not its real password
    const err = await new ResetEngine(contextOf(w.v.core), REAL)
      .resetAccount(w.v.host, w.ref, { admin: admin.name })
      .catch((e: TargetError) => e);
    expect((err as TargetError).message).toMatch(/refused the credential/);
    expect(await vaultHas(w)).toBe(w.user.password);
    expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(true);
    expect(await auditOf(w, 'password.reset-fail')).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ reason: 'refused', login: admin.name }) }),
    ]);
  }, 60_000);

  it('vault write failing after the target changed (injected by a store wrapper): retried, alerted, kept pending, then reconciled so vault and target agree', async () => {
    const w = await world('rsvault');
    const f = failingVaultWrite(w.v);
    const armAfterChange: ResetConnector = {
      change: async (...a) => {
        await REAL.unix.change(...a);
        f.arm(true);
      },
    };
    const engine = new ResetEngine(f.ctx, { unix: armAfterChange }, { vaultAttempts: 3, retryDelayMs: 10 });
    const err = await engine.resetAccount(w.v.host, w.ref).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/vault write failed 3 times.*kept in pending reset/);
    expect(f.failures()).toBe(3);
    expect(await vaultHas(w)).toBe(w.user.password);
    const [row] = await contextOf(w.v.core).store.read((r) => r.pendingResets.all());
    expect(row?.state).toBe('target-changed');
    expect(await auditOf(w, 'password.reset-vault-alert')).toHaveLength(1);
    // The target already has the pending password.
    const pending = contextOf(w.v.core)
      .keyring.open(row!.passwordEnc, `pending_resets.password_enc:${row!.id}`)
      .reveal();
    expect(await sshLogin(w.sshd.port, w.user.name, pending)).toBe(true);
    // The vault recovers (restart): reconciliation writes it, and vault and target agree.
    f.arm(false);
    await w.v.reopen();
    const result = await new ResetEngine(contextOf(w.v.core), REAL).reconcile();
    expect(result).toEqual({ completed: [w.ref], unresolved: [] });
    expect(await vaultHas(w)).toBe(pending);
    expect(await sshLogin(w.sshd.port, w.user.name, await vaultHas(w))).toBe(true);
    expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
    expect(await auditOf(w, 'password.reset-reconciled')).toHaveLength(1);
    expect(await w.v.core.audit.verify(w.v.host)).toMatchObject({ ok: true });
  }, 60_000);

  it('reset on check-in with a real sshd: the checked-in password is reset on the target and in the vault', async () => {
    const w = await world('rscheckin');
    const alice = await w.v.addUser('alice', 'password-user');
    const adm = await w.v.addUser('adm1', 'admin');
    for (const name of ['alice', 'adm1'])
      await w.v.core.sharing.grant(
        w.v.host,
        { kind: 'resource', name: 'web01' },
        { kind: 'user', name },
        'view',
      );
    const access = new AccessService(
      contextOf(w.v.core),
      w.v.core.live,
      undefined,
      new ResetEngine(contextOf(w.v.core), REAL),
    );
    await access.configure(w.v.host, 'web01', { approvers: ['adm1'], resetOnCheckin: true });
    await access.approve(adm, (await access.request(alice, w.ref, 'maintenance')).id);
    await access.checkout(alice, w.ref);
    expect((await w.v.core.accounts.reveal(alice, w.ref)).reveal()).toBe(w.user.password);
    await access.checkin(alice, w.ref);
    const now = await vaultHas(w);
    expect(now).not.toBe(w.user.password);
    expect(await sshLogin(w.sshd.port, w.user.name, now)).toBe(true);
    expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
    expect(await w.v.core.audit.query(w.v.host, { type: 'access.reset' })).toHaveLength(1);
    expect(await w.v.core.audit.query(w.v.host, { type: 'access.reset-skipped' })).toHaveLength(0);
  }, 60_000);
});
