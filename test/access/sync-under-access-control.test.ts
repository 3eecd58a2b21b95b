// Sync channels under the access-control rule on storing a password: a push never
// changes a password someone else has checked out, and a password a user chose reaches a linked
// account under access control only through that user's own check-out there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, type Actor } from '../../core/index.ts';
import { vaultHas as probe } from '../reset/vault-probe.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const ALICES = 'Yb3%Nc6^Wd1*Qe5(Hf0z';

describe('sync pushes into accounts under access control (stand-in reset connector)', () => {
  let v: TestVault;
  let core: Core;
  let alice: Actor;
  let bob: Actor;
  // Straight from the vault: the host administrator's reveal is itself under access control.
  const vaultHas = (ref: string) => probe(v, ...(ref.split('/') as [string, string]));

  beforeAll(async () => {
    v = await createTestVault();
    core = new Core({
      ...contextOf(v.core).deps,
      resetConnectors: { unix: { change: async () => undefined } },
    });
    alice = await v.addUser('alice', 'password-user');
    bob = await v.addUser('bob', 'password-user');
    for (const name of ['open', 'guarded']) {
      await core.resources.create(v.host, { name, type: 'linux', dnsName: `${name}.example` });
      await core.accounts.add(v.host, name, 'root', pw(GOOD));
      for (const u of ['alice', 'bob'])
        await core.sharing.grant(v.host, { kind: 'resource', name }, { kind: 'user', name: u }, 'modify');
    }
    await core.access.configure(v.host, 'guarded', { approvers: ['admin'], autoApprove: 'always' });
    await core.sync.addChannel(v.host, 'pair');
    await core.sync.link(v.host, 'pair', 'open/root');
    await core.sync.link(v.host, 'pair', 'guarded/root');
  }, 60_000);
  afterAll(async () => {
    await core?.settled();
    await v?.close();
  });

  it('a password a user publishes is not pushed into a linked account under access control that they have not checked out', async () => {
    const results = await core.sync.publish(alice, 'pair', 'open/root', pw(ALICES));
    expect(results).toMatchObject([{ account: 'guarded/root', ok: false, reason: 'E_FORBIDDEN' }]);
    expect(results[0]!.message).toMatch(/under access control: check it out/);
    expect(await vaultHas('guarded/root')).toBe(GOOD);
  });

  it("a user's set-password on a linked account is not pushed into another user's check-out", async () => {
    await core.access.request(bob, 'guarded/root', 'work');
    await core.access.checkout(bob, 'guarded/root');
    await core.accounts.changePassword(alice, 'open/root', pw(`${ALICES}1`));
    await core.settled();
    expect(await vaultHas('open/root')).toBe(`${ALICES}1`);
    expect(await vaultHas('guarded/root')).toBe(GOOD);
    const [failed] = await core.audit.query(v.host, {
      type: 'sync.push-failed',
      target: 'guarded/root',
      limit: 1,
    });
    expect(JSON.parse(failed!.details)).toMatchObject({ reason: 'E_FORBIDDEN' });
    expect(JSON.parse(failed!.details).message).toMatch(/checked out by another user/);
    await core.access.checkin(bob, 'guarded/root');
  });

  it('a user who holds the check-out of the linked account gets the published password there', async () => {
    await core.access.request(alice, 'guarded/root', 'work');
    await core.access.checkout(alice, 'guarded/root');
    const results = await core.sync.publish(alice, 'pair', 'open/root', pw(`${ALICES}2`));
    expect(results).toEqual([{ account: 'guarded/root', ok: true }]);
    expect(await vaultHas('guarded/root')).toBe(`${ALICES}2`);
  });
});
