// Sharing precedence: account beats resource beats group; a grant to the user beats a grant to
// their user group; manage is not available on accounts; ownership transfer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, ValidationError } from '../../core/index.ts';
import { createTestVault, pw, refresh, type TestVault } from '../support/vault.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const NEW = 'Yb3%Nc6^Wd1*Qe5(Hf0z';

describe('sharing precedence', () => {
  let v: TestVault;
  beforeEach(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux' });
    await v.core.accounts.add(v.host, 'web01', 'root', pw(GOOD));
    await v.core.groups.create(v.host, { name: 'webs', kind: 'static' });
    await v.core.groups.addResource(v.host, 'webs', 'web01');
    await v.core.userGroups.create(v.host, 'ops');
  });
  afterEach(async () => v.close());

  const grant = (
    kind: 'account' | 'resource' | 'group',
    name: string,
    to: 'user' | 'user-group',
    who: string,
    p: 'view' | 'modify' | 'manage',
  ) => v.core.sharing.grant(v.host, { kind, name }, { kind: to, name: who }, p);

  it('an account-level view overrides a resource-level modify', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await grant('resource', 'web01', 'user', 'alice', 'modify');
    await grant('account', 'web01/root', 'user', 'alice', 'view');
    expect((await v.core.accounts.reveal(alice, 'web01/root')).reveal()).toBe(GOOD);
    await expect(v.core.accounts.changePassword(alice, 'web01/root', pw(NEW))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('a resource-level view overrides a group-level modify', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await grant('group', 'webs', 'user', 'alice', 'modify');
    await grant('resource', 'web01', 'user', 'alice', 'view');
    await expect(v.core.accounts.changePassword(alice, 'web01/root', pw(NEW))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('a group-level modify applies when nothing more specific exists', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await grant('group', 'webs', 'user', 'alice', 'modify');
    await v.core.accounts.changePassword(alice, 'web01/root', pw(NEW));
    expect((await v.core.accounts.reveal(v.host, 'web01/root')).reveal()).toBe(NEW);
  });

  it('a user grant overrides a user-group grant at the same level', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await v.core.userGroups.addMember(v.host, 'ops', 'alice');
    await grant('resource', 'web01', 'user-group', 'ops', 'modify');
    await grant('resource', 'web01', 'user', 'alice', 'view');
    await expect(v.core.accounts.changePassword(alice, 'web01/root', pw(NEW))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    const bob = await v.addUser('bob', 'password-user');
    await v.core.userGroups.addMember(v.host, 'ops', 'bob');
    await v.core.accounts.changePassword(bob, 'web01/root', pw(NEW));
  });

  it('a group share follows membership at the moment of use', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await grant('group', 'webs', 'user', 'alice', 'view');
    expect((await v.core.accounts.reveal(alice, 'web01/root')).reveal()).toBe(GOOD);
    await v.core.groups.removeResource(v.host, 'webs', 'web01');
    await expect(v.core.accounts.reveal(alice, 'web01/root')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('manage cannot be given on a single account', async () => {
    await v.addUser('alice', 'password-user');
    await expect(grant('account', 'web01/root', 'user', 'alice', 'manage')).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('deleting a user group removes the shares made to it', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await v.core.userGroups.addMember(v.host, 'ops', 'alice');
    await grant('resource', 'web01', 'user-group', 'ops', 'view');
    expect((await v.core.accounts.reveal(alice, 'web01/root')).reveal()).toBe(GOOD);
    await v.core.userGroups.remove(v.host, 'ops');
    await expect(v.core.accounts.reveal(alice, 'web01/root')).rejects.toBeInstanceOf(NotFoundError);
    expect((await v.core.accounts.reveal(v.host, 'web01/root')).reveal()).toBe(GOOD);
  });

  it('an unknown account and a forbidden one get the same answer', async () => {
    const alice = await v.addUser('alice', 'password-user');
    const unknown = await v.core.accounts.reveal(alice, 'nope/root').catch((e: Error) => e);
    const hidden = await v.core.accounts.reveal(alice, 'web01/root').catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(hidden).toBeInstanceOf(NotFoundError);
    expect((hidden as Error).message.replace('web01/root', 'X')).toBe(
      (unknown as Error).message.replace('nope/root', 'X'),
    );
  });

  it('ownership transfer: the old owner loses access unless shared; shares stay', async () => {
    const pa = await v.addUser('pa', 'password-admin');
    const pb = await v.addUser('pb', 'password-admin');
    const alice = await v.addUser('alice', 'password-user');
    await v.core.resources.create(pa, { name: 'db9', type: 'postgres' });
    await v.core.accounts.add(pa, 'db9', 'postgres', pw(GOOD));
    await v.core.sharing.grant(
      pa,
      { kind: 'resource', name: 'db9' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await expect(v.core.resources.transfer(pa, 'db9', 'alice')).rejects.toBeInstanceOf(ForbiddenError);
    await v.core.resources.transfer(pa, 'db9', 'pb');
    await expect(v.core.accounts.reveal(pa, 'db9/postgres')).rejects.toBeInstanceOf(NotFoundError);
    expect((await v.core.accounts.reveal(pb, 'db9/postgres')).reveal()).toBe(GOOD);
    expect((await v.core.accounts.reveal(alice, 'db9/postgres')).reveal()).toBe(GOOD);
  });

  it('criteria groups only hold what their owner may manage, and manage on them needs a user-group permit', async () => {
    const pa = await v.addUser('pa', 'password-admin');
    const bob = await v.addUser('bob', 'password-user');
    await v.core.groups.create(pa, {
      name: 'everything',
      kind: 'criteria',
      criteria: [{ field: 'resource-name', op: 'contains', value: '' }],
    });
    await v.core.sharing.grant(
      pa,
      { kind: 'group', name: 'pa/everything' },
      { kind: 'user', name: 'bob' },
      'view',
    );
    // web01 belongs to the built-in admin: pa's criteria group must not hand it to bob.
    await expect(v.core.accounts.reveal(bob, 'web01/root')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      v.core.sharing.grant(
        pa,
        { kind: 'group', name: 'pa/everything' },
        { kind: 'user', name: 'bob' },
        'manage',
      ),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await v.core.userGroups.create(v.host, 'criteria-delegators', '', { allowGrantManageCriteria: true });
    await v.core.userGroups.addMember(v.host, 'criteria-delegators', 'pa');
    await v.core.sharing.grant(
      await refresh(v, pa),
      { kind: 'group', name: 'pa/everything' },
      { kind: 'user', name: 'bob' },
      'manage',
    );
  });
});
