// The password explorer model: views, nested tree, organisation-wide tree.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';

describe('password explorer', () => {
  let v: TestVault;
  beforeEach(async () => {
    v = await createTestVault();
    for (const r of ['web01', 'web02', 'db01']) {
      await v.core.resources.create(v.host, {
        name: r,
        type: 'linux',
        dnsName: `${r}.corp.example`,
        description: r.startsWith('db') ? 'billing database' : 'front end',
      });
      await v.core.accounts.add(v.host, r, 'root', pw(GOOD));
    }
  });
  afterEach(async () => v.close());

  it('All shows owned and shared accounts only, searchable across resource, account, description and DNS name', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'db01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: 'web02/root' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    expect((await v.core.explorer.all(alice)).entries.map((e) => e.ref)).toEqual(['db01/root', 'web02/root']);
    expect((await v.core.explorer.all(alice, 'billing')).entries.map((e) => e.ref)).toEqual(['db01/root']);
    expect((await v.core.explorer.all(alice, 'WEB02.corp')).entries.map((e) => e.ref)).toEqual([
      'web02/root',
    ]);
    expect((await v.core.explorer.all(v.host)).total).toBe(3);
  });

  it('Recent lists what the user retrieved, newest first', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'web01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'db01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await v.core.accounts.reveal(alice, 'web01/root');
    await new Promise((r) => setTimeout(r, 5));
    await v.core.accounts.reveal(alice, 'db01/root');
    expect(await v.core.explorer.recent(alice)).toEqual(['db01/root', 'web01/root']);
  });

  it('a favourite whose share is revoked stays listed as inaccessible, and retrieving it is refused', async () => {
    const alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'web01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await v.core.explorer.setFavourite(alice, 'web01/root', true);
    expect(await v.core.explorer.favourites(alice)).toEqual([{ ref: 'web01/root', accessible: true }]);
    await v.core.sharing.revoke(v.host, { kind: 'resource', name: 'web01' }, { kind: 'user', name: 'alice' });
    expect(await v.core.explorer.favourites(alice)).toEqual([{ ref: 'web01/root', accessible: false }]);
    await expect(v.core.accounts.reveal(alice, 'web01/root')).rejects.toBeInstanceOf(NotFoundError);
    await v.core.explorer.forgetFavourite(alice, 'web01/root');
    expect(await v.core.explorer.favourites(alice)).toEqual([]);
  });

  it('each administrator\'s tree nests their groups under "<login>\'s Group"; shared trees show only shared groups', async () => {
    const pa = await v.addUser('padmin', 'password-admin');
    const user = await v.addUser('reader', 'password-user');
    await v.core.groups.create(pa, { name: 'Databases', kind: 'static' });
    await v.core.groups.create(pa, { name: 'MySQL', kind: 'static', parent: 'padmin/Databases' });
    await v.core.groups.create(pa, { name: 'Network', kind: 'static' });
    const tree = await v.core.explorer.tree(pa);
    expect(tree[0]).toMatchObject({
      name: "padmin's Group",
      children: [{ name: 'Databases', children: [{ name: 'MySQL' }] }, { name: 'Network' }],
    });
    await v.core.sharing.grant(
      pa,
      { kind: 'group', name: 'padmin/Network' },
      { kind: 'user', name: 'reader' },
      'view',
    );
    const shared = await v.core.explorer.tree(user);
    expect(shared.find((n) => n.name === "padmin's Group")?.children.map((c) => c.name)).toEqual(['Network']);
    await v.core.explorer.renameRoot(pa, 'Platform team');
    expect((await v.core.explorer.tree(pa))[0]!.name).toBe('Platform team');
  });

  it('nesting cannot loop, and password users cannot create groups', async () => {
    await v.core.groups.create(v.host, { name: 'A', kind: 'static' });
    await v.core.groups.create(v.host, { name: 'B', kind: 'static', parent: 'A' });
    await expect(v.core.groups.update(v.host, 'A', { parent: 'B' })).rejects.toBeInstanceOf(ValidationError);
    const u = await v.addUser('pu', 'password-user');
    await expect(v.core.groups.create(u, { name: 'mine', kind: 'static' })).rejects.toThrow(/may not/);
  });

  it('criteria groups support every operator, combined with all or any', async () => {
    const cases: [string, string, string, 'all' | 'any', string[]][] = [
      ['resource-name', 'contains', 'web', 'all', ['web01', 'web02']],
      ['resource-name', 'not-contains', 'web', 'all', ['db01']],
      ['resource-name', 'equals', 'WEB01', 'all', ['web01']],
      ['resource-name', 'not-equals', 'web01', 'all', ['db01', 'web02']],
      ['resource-name', 'starts-with', 'db', 'all', ['db01']],
      ['resource-name', 'ends-with', '02', 'all', ['web02']],
      ['resource-description', 'contains', 'billing', 'all', ['db01']],
      ['resource-type', 'equals', 'linux', 'all', ['db01', 'web01', 'web02']],
      ['account-name', 'equals', 'root', 'all', ['db01', 'web01', 'web02']],
    ];
    let i = 0;
    for (const [field, op, value, match, want] of cases) {
      const name = `c${++i}`;
      await v.core.groups.create(v.host, {
        name,
        kind: 'criteria',
        match,
        criteria: [{ field, op, value } as never],
      });
      expect({ name, members: await v.core.groups.members(v.host, name) }).toEqual({ name, members: want });
    }
    await v.core.groups.create(v.host, {
      name: 'either',
      kind: 'criteria',
      match: 'any',
      criteria: [
        { field: 'resource-name', op: 'equals', value: 'web01' },
        { field: 'resource-name', op: 'equals', value: 'db01' },
      ],
    });
    expect(await v.core.groups.members(v.host, 'either')).toEqual(['db01', 'web01']);
  });

  it('the organisation-wide tree: one structure, unseen groups empty, every change versioned and revertible', async () => {
    const pa = await v.addUser('padmin', 'password-admin');
    const reader = await v.addUser('reader', 'password-user');
    await v.core.groups.create(v.host, { name: 'Secret stuff', kind: 'static' });
    const g = await v.core.groups.create(pa, { name: 'Shared', kind: 'static' });
    await v.core.sharing.grant(
      pa,
      { kind: 'group', name: 'padmin/Shared' },
      { kind: 'user', name: 'reader' },
      'view',
    );
    const hidden = (await contextOf(v.core).store.read((r) =>
      r.resourceGroups.byOwnerAndName(v.host.user.id, 'Secret stuff'),
    ))!;
    await expect(v.core.explorer.setOrgTree(pa, { rootName: 'ACME', nodes: [] })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await v.core.settings.setOrgWideTree(v.host, true);
    const v1 = await v.core.explorer.setOrgTree(pa, {
      rootName: 'ACME',
      nodes: [
        { id: 'infra', name: 'Infrastructure', parentId: null },
        { id: 'n1', name: 'Shared', parentId: 'infra', groupId: g.id },
        { id: 'n2', name: 'Secret stuff', parentId: 'infra', groupId: hidden.id },
      ],
    });
    const seen = await v.core.explorer.tree(reader);
    expect(seen[0]!.name).toBe('ACME');
    expect(seen[0]!.children[0]!.children.map((c) => [c.name, c.visible])).toEqual([
      ['Shared', true],
      ['Secret stuff', false],
    ]);
    await v.core.explorer.setOrgTree(v.host, { rootName: 'ACME', nodes: [] });
    expect((await v.core.explorer.tree(reader))[0]!.children).toEqual([]);
    await v.core.explorer.revertOrgTree(pa, v1);
    expect((await v.core.explorer.tree(reader))[0]!.children).toHaveLength(1);
    expect((await v.core.explorer.orgTreeHistory(pa)).map((h) => h.note)[0]).toBe(`revert to ${v1}`);
    await expect(
      v.core.explorer.setOrgTree(pa, {
        rootName: 'X',
        nodes: [
          { id: 'a', name: 'a', parentId: 'b' },
          { id: 'b', name: 'b', parentId: 'a' },
        ],
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
