// Password sync channels against a real sshd and real Linux users: outbound (a reset
// of one linked account pushes its new password to the others' targets and the vault), inbound
// (`sync publish`, standing in for the target-side agent) with the per-channel switches, and a
// failure on one linked target reported per account without undoing the others.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../core/index.ts';
import { SshUnixResetConnector } from '../../reset/index.ts';
import {
  createTestUser,
  freePort,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { storageDrivers } from '../support/drivers.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { sshLogin } from './helpers.ts';
import { contextOf } from '../support/core-internals.ts';

const skip = sshdSkipReason();
const START = (n: string) => `Zq9#Lm2$Vx7!Rt4&Kp${n}w`;
const PUBLISHED = 'Pk4$Jd8@Rm2!Wx6#Tz9q';
const DEFAULT = 'Df5%Gh1^Lo3&Mn7*Qa2e';

describe.skipIf(!!skip)(
  `password sync channels (real sshd, real Linux users)${skip ? ` — ${skip}` : ''}`,
  () => {
    let v: TestVault;
    let core: Core;
    let sshd: SshdInstance;
    const users: TestUser[] = [];
    const refs: string[] = [];

    const vaultHas = async (ref: string) => (await core.accounts.reveal(v.host, ref)).reveal();
    const auditOf = async (type: string) =>
      (await core.audit.query(v.host, { type, limit: 100 })).map((r) => ({
        target: r.targetName,
        result: r.result,
        details: JSON.parse(r.details) as Record<string, unknown>,
      }));

    beforeAll(async () => {
      for (const n of ['1', '2', '3']) users.push(createTestUser(`sync${n}`, { password: START(n) }));
      sshd = await startSshd({ allowUsers: users.map((u) => u.name) });
      v = await createTestVault();
      core = new Core({
        ...contextOf(v.core).deps,
        resetConnectors: { unix: new SshUnixResetConnector({ timeoutMs: 20_000 }) },
      });
      for (const [i, u] of users.entries()) {
        const res = `web0${i + 1}`;
        await core.resources.create(v.host, {
          name: res,
          type: 'linux',
          dnsName: '127.0.0.1',
          port: sshd.port,
        });
        await core.accounts.add(v.host, res, u.name, pw(u.password));
        refs.push(`${res}/${u.name}`);
      }
      await core.sync.addChannel(v.host, 'ops');
      for (const r of refs) await core.sync.link(v.host, 'ops', r);
    }, 60_000);

    afterAll(async () => {
      await core?.settled();
      await v?.close();
      await sshd?.stop();
      for (const u of users) u.remove();
    });

    it('outbound: resetting one linked account pushes its new password to the two other real targets and the vault', async () => {
      await core.resets.resetAccount(v.host, refs[0]!);
      await core.settled();
      const now = await vaultHas(refs[0]!);
      expect(now).not.toBe(users[0]!.password);
      for (const [i, u] of users.entries()) {
        expect(await vaultHas(refs[i]!)).toBe(now);
        expect(await sshLogin(sshd.port, u.name, now)).toBe(true);
        expect(await sshLogin(sshd.port, u.name, u.password)).toBe(false);
      }
      const pushed = await auditOf('sync.pushed');
      expect(pushed.map((p) => p.target).sort()).toEqual([refs[1], refs[2]].sort());
      expect(pushed.every((p) => p.details.from === refs[0] && p.details.channel === 'ops')).toBe(true);
      // The pushes did not echo back: exactly three resets, one per account.
      expect(await auditOf('password.reset')).toHaveLength(3);
    }, 120_000);

    it('inbound: a password changed on one target is published to the vault and pushed to the others; an unreachable linked target fails alone', async () => {
      await core.resources.create(v.host, {
        name: 'down01',
        type: 'linux',
        dnsName: '127.0.0.1',
        port: await freePort(),
      });
      await core.accounts.add(v.host, 'down01', 'svc', pw(START('9')));
      await core.sync.link(v.host, 'ops', 'down01/svc');
      // The change happens on the target first (as its own agent would see it)...
      execFileSync('chpasswd', { input: `${users[1]!.name}:${PUBLISHED}\n` });
      // ...and is reported to Custody.
      const results = await core.sync.publish(v.host, 'ops', refs[1]!, pw(PUBLISHED));
      await core.settled();
      expect(results).toEqual(
        expect.arrayContaining([
          { account: refs[0], ok: true },
          { account: refs[2], ok: true },
          expect.objectContaining({ account: 'down01/svc', ok: false, reason: 'unreachable' }),
        ]),
      );
      for (const [i, u] of users.entries()) {
        expect(await vaultHas(refs[i]!)).toBe(PUBLISHED);
        expect(await sshLogin(sshd.port, u.name, PUBLISHED)).toBe(true);
      }
      expect(await vaultHas('down01/svc')).toBe(START('9'));
      expect(await auditOf('sync.push-failed')).toEqual([
        expect.objectContaining({
          target: 'down01/svc',
          details: expect.objectContaining({ reason: 'unreachable' }),
        }),
      ]);
      expect(await auditOf('sync.published')).toHaveLength(1);
    }, 120_000);

    it('switches: policy enforced on published passwords, publishing off refused, a default password for an account created without one', async () => {
      const before = await vaultHas(refs[2]!);
      await expect(core.sync.publish(v.host, 'ops', refs[2]!, pw('short'))).rejects.toMatchObject({
        code: 'E_POLICY',
      });
      expect(await vaultHas(refs[2]!)).toBe(before);
      expect(await auditOf('sync.publish-refused')).toEqual([
        expect.objectContaining({ target: refs[2], details: expect.objectContaining({ channel: 'ops' }) }),
      ]);
      expect((await auditOf('password.policy-violation')).length).toBeGreaterThan(0);

      await core.sync.set(v.host, 'ops', { publishing: false });
      await expect(core.sync.publish(v.host, 'ops', refs[2]!, pw(PUBLISHED + 'x'))).rejects.toMatchObject({
        code: 'E_FORBIDDEN',
      });

      // A channel of its own for a vault-only account: policy not enforced, then the default password.
      await core.resources.create(v.host, { name: 'app', type: 'website', dnsName: 'app.example' });
      await core.accounts.add(v.host, 'app', 'svc', pw(START('7')));
      await core.sync.addChannel(v.host, 'loose', { enforcePolicy: false, defaultPassword: pw(DEFAULT) });
      await core.sync.link(v.host, 'loose', 'app/svc');
      expect(await core.sync.publish(v.host, 'loose', 'app/svc', pw('short'))).toEqual([]);
      expect(await vaultHas('app/svc')).toBe('short');
      await core.sync.publish(v.host, 'loose', 'app/svc');
      expect(await vaultHas('app/svc')).toBe(DEFAULT);
      const list = await core.sync.list(v.host);
      expect(list.find((c) => c.name === 'loose')).toEqual({
        name: 'loose',
        publishing: true,
        enforcePolicy: false,
        hasDefaultPassword: true,
        accounts: ['app/svc'],
        hiddenAccounts: 0,
      });
      // No password in any audit row.
      const all = JSON.stringify(await core.audit.query(v.host, { limit: 2000 }));
      for (const secret of [PUBLISHED, DEFAULT, await vaultHas(refs[0]!)]) expect(all).not.toContain(secret);
      // Nor in plaintext in the database (the default password is sealed like every secret).
      const db = join(v.home, 'data', 'custody.sqlite');
      for (const f of [db, `${db}-wal`].filter((x) => existsSync(x)))
        for (const secret of [PUBLISHED, DEFAULT])
          expect(readFileSync(f).includes(Buffer.from(secret))).toBe(false);
    }, 120_000);
  },
);

// The stored side of channels and listeners on both backends (booleans, upserts, sealed default).
for (const driver of storageDrivers()) {
  describe(`sync channels and listeners stored on ${driver.name}`, () => {
    it('channel switches, links, a sealed default password, a publish; a listener through its approval', async () => {
      const url = await driver.freshDatabase();
      const v = await createTestVault(url ? { postgresUrl: url } : {});
      try {
        const c = v.core;
        const adm = await v.addUser('adm2', 'admin');
        await c.resources.create(v.host, { name: 'app', type: 'website', dnsName: 'app.example' });
        await c.accounts.add(v.host, 'app', 'a', pw(START('5')));
        await c.accounts.add(v.host, 'app', 'b', pw(START('6')));
        await c.sync.addChannel(v.host, 'ch', {
          publishing: true,
          enforcePolicy: true,
          defaultPassword: pw(DEFAULT),
        });
        await c.sync.link(v.host, 'ch', 'app/a');
        await c.sync.link(v.host, 'ch', 'app/a'); // twice: still one link
        await c.sync.set(v.host, 'ch', { enforcePolicy: false });
        expect(await c.sync.list(v.host)).toEqual([
          {
            name: 'ch',
            publishing: true,
            enforcePolicy: false,
            hasDefaultPassword: true,
            accounts: ['app/a'],
            hiddenAccounts: 0,
          },
        ]);
        await c.sync.publish(v.host, 'ch', 'app/a');
        expect((await c.accounts.reveal(v.host, 'app/a')).reveal()).toBe(DEFAULT);
        await c.sync.link(v.host, 'ch', 'app/b');
        // app/b's type has no reset connector: reported for that account, app/a keeps the change.
        const r = await c.sync.publish(v.host, 'ch', 'app/a', pw(PUBLISHED));
        expect(r).toEqual([expect.objectContaining({ account: 'app/b', ok: false, reason: 'E_VALIDATION' })]);
        expect((await c.accounts.reveal(v.host, 'app/a')).reveal()).toBe(PUBLISHED);

        await c.listeners.add(v.host, 'l1', { resourceType: 'website', command: '/bin/true', args: ['a b'] });
        await c.listeners.approve(adm, 'l1');
        expect(await c.listeners.list(v.host)).toEqual([
          expect.objectContaining({
            name: 'l1',
            status: 'approved',
            args: ['a b'],
            version: 1,
            decidedBy: 'adm2',
          }),
        ]);
      } finally {
        await v.close();
      }
    }, 120_000);
  });
}
