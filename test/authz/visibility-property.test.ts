// Visibility is a database query; the sharing rules are stated one by one in
// test/support/access-rules.ts. For random vaults — users of every role and scope, user groups,
// shares of every kind and privilege to users and user groups, static and criteria groups with
// names in several scripts and cases — the query must give every actor exactly the accounts,
// and the levels, that the rules give, on SQLite and on PostgreSQL.
import fc from 'fast-check';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor, type Actor, type Role } from '../../core/index.ts';
import type {
  Account,
  Criterion,
  Privilege,
  Resource,
  ResourceGroup,
  ResourceType,
  Share,
} from '../../core/model.ts';
import { levelFromGrants } from '../../core/authz/grants.ts';
import { AccessResolver } from '../../core/authz/resolver.ts';
import { isSuperAdmin } from '../../core/authz/actor.ts';
import type { Repos } from '../../core/storage/repos/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { storageDrivers } from '../support/drivers.ts';
import { RuleByRuleAccess, criteriaGroupContains } from '../support/access-rules.ts';
import { createTestVault, rawDb, type TestVault } from '../support/vault.ts';

const ROLES: Role[] = ['admin', 'password-admin', 'password-user', 'auditor'];
const PRIVILEGES: Privilege[] = ['view', 'modify', 'manage'];
// Names and criteria values in several cases and scripts, some sharing substrings, so the folded
// comparisons of the database meet every kind of match JavaScript's toLowerCase makes.
const RESOURCE_NAMES = [
  'web01',
  'Web02',
  'WEB-ä',
  'dbÄ',
  'mail',
  'MAIL2',
  'İstanbul',
  'straße',
  'ora_1',
  'x',
];
const ACCOUNT_NAMES = ['root', 'Root2', 'admin', 'ädmin', 'sa', 'oracle', 'İ'];
const TEXTS = ['', 'Prod', 'prod web', 'Ärger', 'db server'];
const VALUES = [
  '',
  'web',
  'WEB',
  'ä',
  'Ä',
  'db',
  'root',
  'ad',
  '01',
  'i̇',
  'linux',
  'Win',
  'e',
  'straße',
  '2',
];
const FIELDS: Criterion['field'][] = [
  'resource-name',
  'resource-type',
  'resource-description',
  'account-name',
];
const OPS: Criterion['op'][] = [
  'contains',
  'not-contains',
  'equals',
  'not-equals',
  'starts-with',
  'ends-with',
];

const criterion = fc.record({
  field: fc.constantFrom(...FIELDS),
  op: fc.constantFrom(...OPS),
  value: fc.constantFrom(...VALUES),
});

/** Indices are taken modulo the real list sizes, so every generated reference is valid. */
const vaultShape = fc.record({
  users: fc.array(fc.record({ role: fc.constantFrom(...ROLES), superAdmin: fc.boolean() }), {
    minLength: 1,
    maxLength: 5,
  }),
  userGroups: fc.array(fc.array(fc.nat(), { maxLength: 4 }), { maxLength: 3 }),
  resources: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...RESOURCE_NAMES),
      owner: fc.nat(),
      type: fc.nat(),
      description: fc.constantFrom(...TEXTS),
      accounts: fc.uniqueArray(fc.constantFrom(...ACCOUNT_NAMES), { maxLength: 3 }),
    }),
    { selector: (r) => r.name, minLength: 1, maxLength: 7 },
  ),
  groups: fc.array(
    fc.record({
      owner: fc.nat(),
      criteria: fc.option(
        fc.record({ list: fc.array(criterion, { minLength: 1, maxLength: 3 }), any: fc.boolean() }),
      ),
      members: fc.array(fc.nat(), { maxLength: 4 }),
    }),
    { maxLength: 4 },
  ),
  shares: fc.array(
    fc.record({
      object: fc.constantFrom('account', 'resource', 'group'),
      // Small indices: shares pile up on the same objects and grantees, so precedence is exercised.
      objectIndex: fc.nat({ max: 3 }),
      toGroup: fc.boolean(),
      grantee: fc.nat({ max: 2 }),
      privilege: fc.constantFrom(...PRIVILEGES),
    }),
    { maxLength: 20 },
  ),
  search: fc.constantFrom('', 'web', 'Ä', 'root', 'prod', 'i̇', 'zzz', '01/ro', 'x/'),
});

type VaultShape = typeof vaultShape extends fc.Arbitrary<infer T> ? T : never;

const AT = '2026-01-01T00:00:00.000Z';

/** Empties what a previous run built (the built-in administrator and types stay). */
async function wipe(db: Knex, adminId: string): Promise<void> {
  for (const table of ['shares', 'resource_group_members', 'resource_groups', 'accounts', 'resources'])
    await db(table).delete();
  await db('user_group_members').delete();
  await db('user_groups').delete();
  await db('users').whereNot({ id: adminId }).delete();
}

async function build(
  repos: Repos,
  shape: VaultShape,
  run: number,
  admin: Actor,
  types: ResourceType[],
): Promise<{ actors: Actor[]; resources: Resource[]; accounts: Account[]; groups: ResourceGroup[] }> {
  const id = (kind: string, i: number) => `${kind}-${run}-${i}`;
  const actors: Actor[] = [admin];
  for (const [i, u] of shape.users.entries()) {
    const user = {
      ...admin.user,
      id: id('u', i),
      username: `user${run}x${i}`,
      role: u.role,
      superAdmin: u.superAdmin,
      treeRootName: null,
    };
    await repos.users.insert(user);
    actors.push(actorFor(user, 'test'));
  }
  const owners = actors.map((a) => a.user.id);
  const userGroupIds: string[] = [];
  for (const [i, members] of shape.userGroups.entries()) {
    const gid = id('ug', i);
    await repos.userGroups.insert({
      id: gid,
      name: `ug${run}x${i}`,
      description: '',
      exportIncludePasswords: true,
      allowPersonal: true,
      allowExportPersonal: true,
      allowGrantManageCriteria: true,
      createdAt: AT,
    });
    for (const m of members) await repos.userGroups.addMember(gid, owners[m % owners.length]!);
    userGroupIds.push(gid);
  }
  const resources: Resource[] = [];
  const accounts: Account[] = [];
  for (const [i, r] of shape.resources.entries()) {
    const resource: Resource = {
      id: id('r', i),
      name: r.name,
      typeId: types[r.type % types.length]!.id,
      dnsName: `${r.name}.example`,
      port: null,
      description: r.description,
      department: '',
      location: '',
      url: '',
      domainName: '',
      policyId: null,
      ownerId: owners[r.owner % owners.length]!,
      allowPortForwarding: false,
      createdAt: AT,
      updatedAt: AT,
    };
    await repos.resources.insert(resource);
    resources.push(resource);
    for (const [j, name] of r.accounts.entries()) {
      const account: Account = {
        id: id(`a${i}`, j),
        resourceId: resource.id,
        name,
        notes: j === 0 ? r.description : '',
        passwordEnc: 'not-a-real-seal',
        passwordChangedAt: AT,
        passwordChangedBy: 'test',
        credentialKind: 'password',
        createdAt: AT,
      };
      await repos.accounts.insert(account);
      accounts.push(account);
    }
  }
  const groups: ResourceGroup[] = [];
  for (const [i, g] of shape.groups.entries()) {
    const group: ResourceGroup = {
      id: id('g', i),
      name: `g${i}`,
      description: '',
      kind: g.criteria ? 'criteria' : 'static',
      ownerId: owners[g.owner % owners.length]!,
      parentId: null,
      policyId: null,
      criteria: g.criteria?.list ?? [],
      match: g.criteria?.any ? 'any' : 'all',
      createdAt: AT,
    };
    await repos.resourceGroups.insert(group);
    if (!g.criteria)
      for (const m of g.members)
        await repos.resourceGroups.addMember(group.id, resources[m % resources.length]!.id);
    groups.push(group);
  }
  for (const [i, s] of shape.shares.entries()) {
    const objects = s.object === 'account' ? accounts : s.object === 'resource' ? resources : groups;
    if (!objects.length) continue;
    const toGroup = s.toGroup && userGroupIds.length > 0;
    const share: Share = {
      id: id('s', i),
      objectKind: s.object,
      objectId: objects[s.objectIndex % objects.length]!.id,
      granteeKind: toGroup ? 'user-group' : 'user',
      granteeId: toGroup
        ? userGroupIds[s.grantee % userGroupIds.length]!
        : owners[s.grantee % owners.length]!,
      privilege: s.privilege,
      grantedBy: 'test',
      grantedAt: AT,
    };
    await repos.shares.upsert(share);
  }
  return { actors, resources, accounts, groups };
}

const searchable = (needle: string, r: Resource, a: Account) =>
  !needle ||
  [`${r.name}/${a.name}`, r.description, r.dnsName, a.notes].some((f) =>
    f.toLowerCase().includes(needle.toLowerCase()),
  );

for (const driver of storageDrivers()) {
  describe(`visibility query on ${driver.name}`, () => {
    let v: TestVault;
    let db: Knex;
    let types: ResourceType[];
    beforeAll(async () => {
      const url = await driver.freshDatabase();
      v = await createTestVault(url ? { postgresUrl: url } : {});
      db = await rawDb(v);
      types = await contextOf(v.core).store.read((r) => r.types.list());
    }, 120_000);
    afterAll(async () => {
      await db?.destroy();
      await v?.close();
    });

    it('answers, for every actor of a random vault, exactly what the sharing rules answer rule by rule', async () => {
      const store = contextOf(v.core).store;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(vaultShape, async (shape) => {
          run++;
          await wipe(db, v.host.user.id);
          const built = await store.tx((repos) => build(repos, shape, run, v.host, types));
          const byResource = new Map(built.resources.map((r) => [r.id, r]));
          await store.read(async (repos) => {
            // A criteria group holds what the rule-by-rule evaluation says it holds.
            for (const g of built.groups.filter((x) => x.kind === 'criteria')) {
              const expected: string[] = [];
              for (const r of built.resources)
                if (await criteriaGroupContains(repos, g, r)) expected.push(r.id);
              const members = (await repos.visibility.criteriaMembers(g)).map((r) => r.id);
              expect(members.sort()).toEqual(expected.sort());
            }
            for (const actor of built.actors) {
              const rules = new RuleByRuleAccess(repos, actor);
              const resolver = new AccessResolver(repos, actor);
              const expected = new Map<string, string>();
              for (const a of built.accounts) {
                const resource = byResource.get(a.resourceId)!;
                const level = await rules.onAccount(a, resource);
                // The resolver of every operation (one account at a time) agrees with the rules too.
                expect(
                  await resolver.onAccount(a, resource),
                  `${actor.name} on ${resource.name}/${a.name}`,
                ).toBe(level);
                if (level !== 'none' && searchable(shape.search, resource, a)) expected.set(a.id, level);
              }
              for (const r of built.resources)
                expect(await resolver.onResource(r), `${actor.name} on ${r.name}`).toBe(
                  await rules.onResource(r),
                );
              const allPasswords = actor.kind === 'host' || isSuperAdmin(actor);
              const page = await repos.visibility.page(
                { userId: actor.user.id, allPasswords },
                { limit: 1000, offset: 0, search: shape.search },
              );
              const actual = new Map(
                page.rows.map((row) => [row.account.id, levelFromGrants(row.grants, actor.user.role)]),
              );
              expect(actual, actor.name).toEqual(expected);
              expect(page.total).toBe(expected.size);
              // Pages are slices of the one order.
              const second = await repos.visibility.page(
                { userId: actor.user.id, allPasswords },
                { limit: 2, offset: 1, search: shape.search },
              );
              expect(second.rows.map((row) => row.account.id)).toEqual(
                page.rows.slice(1, 3).map((row) => row.account.id),
              );
              expect(second.total).toBe(page.total);
              // Within one group (the console's open group): the visible accounts of the
              // resources the group holds, by the rule-by-rule membership.
              for (const g of built.groups) {
                const holds = new Set<string>();
                for (const r of built.resources) if (await rules.groupContains(g.id, r)) holds.add(r.id);
                const inGroup = await repos.visibility.page(
                  { userId: actor.user.id, allPasswords },
                  { limit: 1000, offset: 0, search: shape.search, group: g },
                );
                const wanted = [...expected.keys()].filter((id) =>
                  holds.has(built.accounts.find((a) => a.id === id)!.resourceId),
                );
                expect(
                  inGroup.rows.map((row) => row.account.id).sort(),
                  `${actor.name} in ${g.name}`,
                ).toEqual(wanted.sort());
                expect(inGroup.total).toBe(wanted.length);
              }
            }
          });
        }),
        { numRuns: driver.name === 'sqlite' ? 200 : 120 },
      );
    }, 600_000);
  });
}
