// Unix reset over SSH in the "login account plus su root" mode, against a real sshd and real Linux
// users. "Root" is a second uid-0 account with its own password (fixtures.ts), so the machine's
// real root password is never needed or touched. Also: configurable prompts, fault injection (wrong
// root password, target down) and the canary password check.
import { afterEach, describe, expect, it } from 'vitest';
import { ResetEngine, type ResetConnector, type TargetError } from '../../core/index.ts';
import { SshUnixResetConnector } from '../../reset/index.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { createRootAlias, expectNoCanary, loggedContext, type RootAlias } from './fixtures.ts';
import { sshLogin } from './helpers.ts';
import { vaultHas as storedPassword } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason() ?? (process.getuid?.() !== 0 ? 'skipped: needs root (useradd)' : null);
const REAL = { unix: new SshUnixResetConnector({ timeoutMs: 20_000 }) };
const START = (n: string) => `Zq9#Lm2$Vx7!Rt4&Su${n}w`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface World {
  v: TestVault;
  sshd: SshdInstance;
  user: TestUser;
  ops: TestUser;
  root: RootAlias;
  ref: string;
}

async function world(label: string): Promise<World> {
  const user = createTestUser(`${label}t`, { password: START('1') });
  cleanups.push(() => user.remove());
  const ops = createTestUser(`${label}o`, { password: START('2') });
  cleanups.push(() => ops.remove());
  const root = createRootAlias(`${label}r`);
  cleanups.push(() => root.remove());
  const sshd = await startSshd({ allowUsers: [user.name, ops.name] });
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
  await v.core.accounts.add(v.host, 'web01', ops.name, pw(ops.password));
  await v.core.accounts.add(v.host, 'web01', root.name, pw(root.password));
  await v.core.resetSettings.configure(v.host, 'web01', { mode: 'su', login: ops.name, root: root.name });
  return { v, sshd, user, ops, root, ref: `web01/${user.name}` };
}

const vaultHas = (w: World, name: string): Promise<string> => storedPassword(w.v, 'web01', name);
const auditOf = async (w: World, type: string) =>
  (await w.v.core.audit.query(w.v.host, { type, limit: 100 })).map((r) => ({
    result: r.result,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));

describe.skipIf(!!skip)(
  `remote reset over SSH with a login account plus su root (real sshd, real users)${skip ? ` (${skip})` : ''}`,
  () => {
    it('su: the login account types the root password, passwd NAME runs as root; new logs in, old refused; no canary anywhere', async () => {
      const w = await world('susu');
      const canary = 'Cn4ry#Su-Pw!x9Lq2Vt';
      const { ctx, lines } = loggedContext(w.v);
      await new ResetEngine(ctx, REAL).resetAccount(w.v.host, w.ref, { newPassword: pw(canary) });
      expect(await vaultHas(w, w.user.name)).toBe(canary);
      expect(await sshLogin(w.sshd.port, w.user.name, canary)).toBe(true);
      expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
      expect(await auditOf(w, 'password.reset')).toEqual([
        expect.objectContaining({
          result: 'success',
          details: expect.objectContaining({ login: w.ops.name }),
        }),
      ]);
      // The root account and the login account are untouched.
      expect(await sshLogin(w.sshd.port, w.ops.name, w.ops.password)).toBe(true);
      await expectNoCanary(w.v, lines, canary);
    }, 60_000);

    it('resetting the root account itself: su answers with its current password; the next su reset uses the new one', async () => {
      const w = await world('suself');
      const engine = new ResetEngine(contextOf(w.v.core), REAL);
      await engine.resetAccount(w.v.host, `web01/${w.root.name}`);
      const rootNow = await vaultHas(w, w.root.name);
      expect(rootNow).not.toBe(w.root.password);
      // Proof that root's new password is real: an su reset of another account succeeds with it.
      await engine.resetAccount(w.v.host, w.ref);
      expect(await sshLogin(w.sshd.port, w.user.name, await vaultHas(w, w.user.name))).toBe(true);
      expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
    }, 60_000);

    it('wrong root password: refused, the audit says su was refused, vault and target keep the old password', async () => {
      const w = await world('suwrong');
      await w.v.core.accounts.changePassword(w.v.host, `web01/${w.root.name}`, pw(START('9')));
      const err = await new ResetEngine(contextOf(w.v.core), REAL)
        .resetAccount(w.v.host, w.ref)
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/su to '.*' was refused/);
      expect(await vaultHas(w, w.user.name)).toBe(w.user.password);
      expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(true);
      const [fail] = await auditOf(w, 'password.reset-fail');
      expect(fail?.details).toMatchObject({ reason: 'refused', login: w.ops.name });
      expect(String(fail?.details.message)).toMatch(/su to/);
    }, 60_000);

    it('target down in the middle (sshd stopped after the pending row): unreachable, vault unchanged', async () => {
      const w = await world('sudown');
      const stopThenChange: ResetConnector = {
        change: async (...a) => {
          await w.sshd.stop();
          return REAL.unix.change(...a);
        },
      };
      const err = await new ResetEngine(contextOf(w.v.core), { unix: stopThenChange })
        .resetAccount(w.v.host, w.ref)
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/unreachable/);
      expect(await vaultHas(w, w.user.name)).toBe(w.user.password);
      expect((await auditOf(w, 'password.reset-fail'))[0]?.details).toMatchObject({ reason: 'unreachable' });
      expect(await contextOf(w.v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
    }, 60_000);

    it('configurable prompts: a resource whose shell prompt pattern never matches fails (not hangs); a bad regex is refused', async () => {
      const w = await world('suprompt');
      await expect(
        w.v.core.resetSettings.configure(w.v.host, 'web01', {
          mode: 'su',
          login: w.ops.name,
          prompts: { su: '(' },
        }),
      ).rejects.toThrow(/not a valid regular expression/);
      await w.v.core.resetSettings.configure(w.v.host, 'web01', {
        mode: 'su',
        login: w.ops.name,
        root: w.root.name,
        prompts: { shell: 'NEVER-SHOWN-PROMPT>$' },
      });
      const quick = { unix: new SshUnixResetConnector({ timeoutMs: 3_000 }) };
      const err = await new ResetEngine(contextOf(w.v.core), quick)
        .resetAccount(w.v.host, w.ref)
        .catch((e: Error) => e);
      expect((err as Error).message).toMatch(/no shell prompt/);
      expect(await vaultHas(w, w.user.name)).toBe(w.user.password);
      // Custom prompts that do match: the reset goes through.
      await w.v.core.resetSettings.configure(w.v.host, 'web01', {
        mode: 'su',
        login: w.ops.name,
        root: w.root.name,
        prompts: { shell: '\\$ $', su: 'Password: $' },
      });
      await new ResetEngine(contextOf(w.v.core), REAL).resetAccount(w.v.host, w.ref);
      expect(await sshLogin(w.sshd.port, w.user.name, await vaultHas(w, w.user.name))).toBe(true);
    }, 60_000);
  },
);
