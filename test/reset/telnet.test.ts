// Unix resets over Telnet against the real telnetd (real /bin/login, real Linux users): the
// account's own passwd, a login account plus su root (a uid-0 alias, fixtures.ts), a login
// account plus sudo, verification (in sync / refused / unreachable), fault injection (wrong root
// password, target down) and the canary password check. An independent real sshd confirms that
// the new password logs in and the old one does not.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ResetEngine, type ResetConnector, type ResetTarget, type TargetError } from '../../core/index.ts';
import { resetConnectorsFor, TelnetUnixResetConnector } from '../../reset/index.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { startTelnetd, telnetdSkipReason, type TelnetdInstance } from '../support/telnetd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { createRootAlias, expectNoCanary, loggedContext, type RootAlias } from './fixtures.ts';
import { sshLogin } from './helpers.ts';
import { vaultHas as storedPassword } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = telnetdSkipReason() ?? sshdSkipReason();
const telnet = new TelnetUnixResetConnector({ stepTimeoutMs: 8_000, timeoutMs: 20_000 });
const REAL = resetConnectorsFor();
const START = (n: string) => `Zq9#Lm2$Vx7!Rt4&Tn${n}w`;
const hasSudo = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v sudo'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
const PASSWD = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v passwd'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/bin/passwd';
  }
})();

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface World {
  v: TestVault;
  telnetd: TelnetdInstance;
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
  const telnetd = await startTelnetd();
  cleanups.push(() => telnetd.stop());
  const sshd = await startSshd({ allowUsers: [user.name, ops.name] });
  cleanups.push(() => sshd.stop());
  const v = await createTestVault();
  cleanups.push(() => v.close());
  await v.core.resources.create(v.host, {
    name: 'tn01',
    type: 'telnet-device',
    dnsName: telnetd.host,
    port: telnetd.port,
  });
  for (const a of [user, ops, root]) await v.core.accounts.add(v.host, 'tn01', a.name, pw(a.password));
  return { v, telnetd, sshd, user, ops, root, ref: `tn01/${user.name}` };
}

const vaultHas = (w: World, name: string): Promise<string> => storedPassword(w.v, 'tn01', name);
const lastAudit = async (w: World, type: string) => {
  const [row] = await w.v.core.audit.query(w.v.host, { type, limit: 1 });
  return row
    ? { result: row.result, details: JSON.parse(row.details) as Record<string, unknown> }
    : undefined;
};
const tTarget = (w: World): ResetTarget => ({
  resource: 'tn01',
  resetKind: 'unix-telnet',
  host: w.telnetd.host,
  port: w.telnetd.port,
  protocol: 'telnet',
});

describe.skipIf(!!skip)(
  `Unix reset over Telnet (real telnetd and /bin/login)${skip ? ` (${skip})` : ''}`,
  () => {
    it('the account itself runs passwd: new logs in (Telnet verify and a real sshd), old refused; no canary anywhere', async () => {
      const w = await world('tnself');
      const canary = 'Cn4ry#Tel-Pw!x9Lq2Vt';
      const { ctx, lines } = loggedContext(w.v);
      await new ResetEngine(ctx, REAL).resetAccount(w.v.host, w.ref, { newPassword: pw(canary) });
      expect(await vaultHas(w, w.user.name)).toBe(canary);
      expect(await sshLogin(w.sshd.port, w.user.name, canary)).toBe(true);
      expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
      await expect(telnet.verify(tTarget(w), w.user.name, pw(canary))).resolves.toBeUndefined();
      const refused = await telnet
        .verify(tTarget(w), w.user.name, pw(w.user.password))
        .catch((e: TargetError) => e);
      expect((refused as TargetError).details).toMatchObject({ reason: 'refused' });
      expect((await lastAudit(w, 'password.reset'))?.details).toMatchObject({ login: 'self' });
      await expectNoCanary(w.v, lines, canary);
    }, 90_000);

    it('login account plus su root over Telnet; then wrong root password: refused, vault and target unchanged, audit says why', async () => {
      const w = await world('tnsu');
      await w.v.core.resetSettings.configure(w.v.host, 'tn01', {
        mode: 'su',
        login: w.ops.name,
        root: w.root.name,
      });
      const engine = new ResetEngine(contextOf(w.v.core), REAL);
      await engine.resetAccount(w.v.host, w.ref);
      const now = await vaultHas(w, w.user.name);
      expect(await sshLogin(w.sshd.port, w.user.name, now)).toBe(true);
      expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
      expect((await lastAudit(w, 'password.reset'))?.details).toMatchObject({ login: w.ops.name });

      await w.v.core.accounts.changePassword(w.v.host, `tn01/${w.root.name}`, pw(START('9')));
      const err = await engine.resetAccount(w.v.host, w.ref).catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/su to '.*' was refused/);
      expect(await vaultHas(w, w.user.name)).toBe(now);
      expect(await sshLogin(w.sshd.port, w.user.name, now)).toBe(true);
      expect((await lastAudit(w, 'password.reset-fail'))?.details).toMatchObject({
        reason: 'refused',
        login: w.ops.name,
      });
    }, 90_000);

    it.skipIf(!hasSudo)(
      `a linux resource with transport telnet, login account plus sudo passwd${hasSudo ? '' : ' — skipped: sudo not installed'}`,
      async () => {
        const w = await world('tnsudo');
        const sudoers = `/etc/sudoers.d/custody-${w.ops.name}`;
        writeFileSync(sudoers, `${w.ops.name} ALL=(root) ${PASSWD} ${w.user.name}\n`, { mode: 0o440 });
        cleanups.push(() => rmSync(sudoers, { force: true }));
        await w.v.core.resources.create(w.v.host, {
          name: 'lx01',
          type: 'linux',
          dnsName: w.telnetd.host,
          port: w.telnetd.port,
        });
        await w.v.core.accounts.add(w.v.host, 'lx01', w.user.name, pw(w.user.password));
        await w.v.core.accounts.add(w.v.host, 'lx01', w.ops.name, pw(w.ops.password));
        await w.v.core.resetSettings.configure(w.v.host, 'lx01', {
          mode: 'sudo',
          login: w.ops.name,
          transport: 'telnet',
        });
        await new ResetEngine(contextOf(w.v.core), REAL).resetAccount(w.v.host, `lx01/${w.user.name}`);
        const now = await storedPassword(w.v, 'lx01', w.user.name);
        expect(await sshLogin(w.sshd.port, w.user.name, now)).toBe(true);
        expect(await sshLogin(w.sshd.port, w.user.name, w.user.password)).toBe(false);
      },
      90_000,
    );

    it('target down in the middle (telnetd stopped after the pending row): unreachable, vault unchanged; verify says unreachable', async () => {
      const w = await world('tndown');
      const stopThenChange: ResetConnector = {
        change: async (...a) => {
          await w.telnetd.stop();
          return REAL['unix-telnet']!.change(...a);
        },
      };
      const err = await new ResetEngine(contextOf(w.v.core), { 'unix-telnet': stopThenChange })
        .resetAccount(w.v.host, w.ref)
        .catch((e: TargetError) => e);
      expect((err as TargetError).details).toMatchObject({ reason: 'unreachable' });
      expect(await vaultHas(w, w.user.name)).toBe(w.user.password);
      expect((await lastAudit(w, 'password.reset-fail'))?.details).toMatchObject({ reason: 'unreachable' });
      expect(await contextOf(w.v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
      const down = await telnet
        .verify(tTarget(w), w.user.name, pw(w.user.password))
        .catch((e: TargetError) => e);
      expect((down as TargetError).details).toMatchObject({ reason: 'unreachable' });
    }, 90_000);
  },
);
