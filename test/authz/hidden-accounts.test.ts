// Operations that name an account or a resource answer an administrator who may not see it exactly
// as they answer for one that does not exist, and never name it in their output (else an error
// message would confirm that it exists): sync channels, landing servers, reset --admin, favourites,
// group members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, type Actor } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const MINE = 'Yb3%Nc6^Wd1*Qe5(Hf0z';
const HIDDEN_HOST = 'vault-secret.example';

/** The error's code and message with the name the caller typed replaced, or 'allowed'. */
const answer = (p: Promise<unknown>, typed: string) =>
  p.then(
    () => 'allowed',
    (e: unknown) => {
      const { code, message } = e as { code?: string; message?: string };
      return `${code}: ${String(message).split(typed).join('<NAME>')}`;
    },
  );

describe('an administrator who may not see an account', () => {
  let v: TestVault;
  let core: Core;
  let eve: Actor;

  beforeAll(async () => {
    v = await createTestVault();
    // A stand-in reset connector that accepts every change: these tests are about who may.
    core = new Core({
      ...contextOf(v.core).deps,
      resetConnectors: { unix: { change: async () => undefined } },
    });
    eve = await v.addUser('eve', 'admin');
    await core.resources.create(v.host, { name: 'secret', type: 'linux', dnsName: HIDDEN_HOST });
    await core.accounts.add(v.host, 'secret', 'root', pw(GOOD));
    await core.accounts.add(v.host, 'secret', 'other', pw(GOOD));
    await core.resources.create(v.host, { name: 'pub', type: 'linux', dnsName: 'pub.example' });
    await core.accounts.add(v.host, 'pub', 'root', pw(GOOD));
    await core.accounts.add(v.host, 'pub', 'adm', pw(GOOD));
    // Eve may change pub/root (an account-level share) and sees nothing else on pub.
    await core.sharing.grant(
      v.host,
      { kind: 'account', name: 'pub/root' },
      { kind: 'user', name: 'eve' },
      'modify',
    );
    await core.sync.addChannel(v.host, 'ops');
    await core.groups.create(eve, { name: 'eves', kind: 'static' });
  }, 60_000);
  afterAll(async () => {
    await core?.settled();
    await v?.close();
  });

  it('gets the same error from sync link for a hidden account as for a missing one, and the account is not linked', async () => {
    const hidden = await answer(core.sync.link(eve, 'ops', 'secret/root'), 'secret/root');
    const missing = await answer(core.sync.link(eve, 'ops', 'nosuch/root'), 'nosuch/root');
    expect(hidden).toMatch(/^E_NOT_FOUND: /);
    expect(hidden).toBe(missing);
    expect((await core.sync.list(v.host))[0]!.accounts).not.toContain('secret/root');
  });

  it('publishing to a channel does not push its password into a linked account it may not see, nor name it', async () => {
    await core.sync.addChannel(v.host, 'mixed');
    await core.sync.link(v.host, 'mixed', 'pub/root');
    await core.sync.link(v.host, 'mixed', 'secret/other');
    const results = await core.sync.publish(eve, 'mixed', 'pub/root', pw(MINE));
    const text = JSON.stringify(results);
    expect(results).toEqual([{ account: '(an account you cannot see)', ok: false, reason: 'E_NOT_FOUND' }]);
    expect((await core.accounts.reveal(v.host, 'secret/other')).reveal()).toBe(GOOD);
    expect(text).not.toContain('secret');
    expect(text).not.toContain(HIDDEN_HOST);
    const [view] = (await core.sync.list(eve)).filter((c) => c.name === 'mixed');
    expect(view).toMatchObject({ accounts: ['pub/root'], hiddenAccounts: 1 });
    expect(JSON.stringify(await core.sync.list(eve))).not.toContain('secret');
  });

  it('gets the same error from landing add, associate and route for a hidden account or resource as for a missing one', async () => {
    for (const flag of ['primary', 'secondary'] as const) {
      const input = (ref: string) =>
        flag === 'primary'
          ? { name: `l-${flag}-${ref.length}`, primary: ref }
          : { name: `l-${flag}-${ref.length}`, primary: 'pub/root', secondary: ref };
      const hidden = await answer(core.landing.add(eve, input('secret/root')), 'secret/root');
      expect(hidden, flag).toMatch(/^E_NOT_FOUND: /);
      expect(hidden, flag).toBe(await answer(core.landing.add(eve, input('nosuch/root')), 'nosuch/root'));
    }
    await core.landing.add(eve, { name: 'jump', primary: 'pub/root' });
    for (const op of [
      (r: string) => core.landing.associate(eve, 'jump', r),
      (r: string) => core.landing.route(eve, r),
    ]) {
      const hidden = await answer(op('secret'), 'secret');
      expect(hidden).toMatch(/^E_NOT_FOUND: /);
      expect(hidden).toBe(await answer(op('nosuch'), 'nosuch'));
    }
  });

  it('does not see the names of hidden landing accounts and resources in the landing list', async () => {
    await core.landing.add(v.host, { name: 'hid', primary: 'secret/root' });
    await core.landing.associate(v.host, 'jump', 'secret');
    const text = JSON.stringify(await core.landing.list(eve));
    expect(text).not.toContain('secret');
    expect(text).toContain('pub/root');
  });

  it('gets the same error from reset --admin for a hidden account of the resource as for a missing one', async () => {
    const hidden = await answer(core.resets.resetAccount(eve, 'pub/root', { admin: 'adm' }), 'pub/adm');
    const missing = await answer(
      core.resets.resetAccount(eve, 'pub/root', { admin: 'nosuch' }),
      'pub/nosuch',
    );
    expect(hidden).toMatch(/^E_NOT_FOUND: /);
    expect(hidden).toBe(missing);
  });

  it('gets the same error removing a favourite or a group member it cannot see as for a missing one', async () => {
    const fav = await answer(core.explorer.setFavourite(eve, 'secret/root', false), 'secret/root');
    expect(fav).toMatch(/^E_NOT_FOUND: /);
    expect(fav).toBe(await answer(core.explorer.setFavourite(eve, 'nosuch/root', false), 'nosuch/root'));
    const member = await answer(core.groups.removeResource(eve, 'eves', 'secret'), 'secret');
    expect(member).toMatch(/^E_NOT_FOUND: /);
    expect(member).toBe(await answer(core.groups.removeResource(eve, 'eves', 'nosuch'), 'nosuch'));
  });
});
