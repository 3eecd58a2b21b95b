// The benchmark vault (not a test): accounts over resources on SQLite, a non-super administrator
// `bench` owning some of them and a password user `reader` reaching others through account,
// resource, static-group and criteria-group shares, and the reveal targets of each. Shared by
// bench/vault/run.ts and bench/vault/profile-reveal.ts, so both measure the same vault.
import { aad } from '../../core/crypto/aad.ts';
import { Secret, type Account, type Actor, type Resource, type Share } from '../../core/index.ts';
import type { TestVault } from '../../test/support/vault.ts';
import { contextOf } from '../../test/support/core-internals.ts';

export interface Target {
  ref: string;
  expected: string;
  path: string;
}

export interface BenchVault {
  /** Fills the vault: resources, accounts, the reader's shares and other users' shares. */
  seed(v: TestVault, bench: Actor, reader: Actor): Promise<void>;
  /** Random accounts the owner (`bench`) reveals. */
  ownerTargets(): () => Target;
  /** Random accounts the reader reveals, each path (account, resource, static, criteria) in turn at random. */
  readerTargets(): () => Target;
}

const NOISE_USERS = 8;
const NOISE_SHARES_PER_USER = 1000;
const ACCOUNT_SHARES_PER_RESOURCE = 4;
const CRITERIA_PREFIX = 'r01'; // r0100..r0199: bench's, matched by a criteria group

const resourceName = (i: number) => `r${String(i).padStart(4, '0')}`;
const accountName = (i: number) => `a${String(i).padStart(3, '0')}`;
const plaintextOf = (ri: number, ai: number) => `Bench#${ri}.${ai}-kQ7`;
const rnd = (n: number) => Math.floor(Math.random() * n);

export function benchVault(
  shape: { accounts: number; resources: number },
  log: (line: string) => void,
): BenchVault {
  const ACCOUNTS = shape.accounts;
  const RESOURCES = shape.resources;
  const PER_RESOURCE = Math.ceil(ACCOUNTS / RESOURCES);
  // Which resources belong to whom and reach the reader how (indices into the resource list).
  const OWNED_BY_BENCH = { from: 0, to: Math.floor(RESOURCES * 0.3) }; // r0000..r0299: bench owns
  const STATIC_GROUP = { from: 0, to: Math.floor(RESOURCES * 0.04) }; // bench's, in a static group
  const ACCOUNT_SHARED = { from: Math.floor(RESOURCES * 0.3), to: Math.floor(RESOURCES * 0.4) }; // admin's
  const RESOURCE_SHARED = { from: Math.floor(RESOURCES * 0.4), to: Math.floor(RESOURCES * 0.44) }; // admin's
  const SHARE_STRIDE = Math.max(1, Math.floor(PER_RESOURCE / ACCOUNT_SHARES_PER_RESOURCE));

  async function seed(v: TestVault, bench: Actor, reader: Actor): Promise<void> {
    const core = v.core;
    const ids = contextOf(core).ids;
    const keyring = contextOf(core).keyring;
    const now = contextOf(core).now();
    const type = (await contextOf(core).store.read((r) => r.types.byName('linux')))!;
    const resourceIds: string[] = [];
    const accountIds: string[][] = [];
    let made = 0;
    // Bulk, through the repositories and keyring as AccountsService.insertAccount does, one
    // transaction per 10 resources (the services would take one per account).
    for (let start = 0; start < RESOURCES; start += 10) {
      await contextOf(core).store.tx(async (r) => {
        for (let ri = start; ri < Math.min(RESOURCES, start + 10); ri++) {
          const resource: Resource = {
            id: ids.next(),
            name: resourceName(ri),
            typeId: type.id,
            dnsName: `${resourceName(ri)}.bench.example`,
            port: 22,
            description: `bench resource ${ri}`,
            department: '',
            location: '',
            url: '',
            domainName: '',
            policyId: null,
            ownerId: ri >= OWNED_BY_BENCH.from && ri < OWNED_BY_BENCH.to ? bench.user.id : v.host.user.id,
            allowPortForwarding: false,
            createdAt: now,
            updatedAt: now,
          };
          await r.resources.insert(resource);
          resourceIds[ri] = resource.id;
          accountIds[ri] = [];
          for (let ai = 0; ai < PER_RESOURCE && made < ACCOUNTS; ai++, made++) {
            const id = ids.next();
            const account: Account = {
              id,
              resourceId: resource.id,
              name: accountName(ai),
              notes: '',
              passwordEnc: keyring.seal(Secret.fromString(plaintextOf(ri, ai)), aad.account(id)),
              passwordChangedAt: now,
              passwordChangedBy: v.host.name,
              credentialKind: 'password',
              createdAt: now,
            };
            await r.accounts.insert(account);
            accountIds[ri]!.push(id);
          }
        }
      });
      if (start % 200 === 0) log(`seeded ${made}/${ACCOUNTS} accounts`);
    }

    // The reader's access, granted through the real services by whoever owns the object.
    await core.userGroups.create(v.host, 'bench-readers');
    await core.userGroups.addMember(v.host, 'bench-readers', reader.name);
    for (let ri = ACCOUNT_SHARED.from; ri < ACCOUNT_SHARED.to; ri++)
      for (let k = 0; k < ACCOUNT_SHARES_PER_RESOURCE; k++)
        await core.sharing.grant(
          v.host,
          { kind: 'account', name: `${resourceName(ri)}/${accountName(k * SHARE_STRIDE)}` },
          { kind: 'user', name: reader.name },
          'view',
        );
    for (let ri = RESOURCE_SHARED.from; ri < RESOURCE_SHARED.to; ri++)
      await core.sharing.grant(
        v.host,
        { kind: 'resource', name: resourceName(ri) },
        { kind: 'user', name: reader.name },
        'view',
      );
    await core.groups.create(bench, { name: 'static-readers', kind: 'static' });
    for (let ri = STATIC_GROUP.from; ri < STATIC_GROUP.to; ri++)
      await core.groups.addResource(bench, 'bench/static-readers', resourceName(ri));
    await core.sharing.grant(
      bench,
      { kind: 'group', name: 'bench/static-readers' },
      { kind: 'user-group', name: 'bench-readers' },
      'view',
    );
    await core.groups.create(bench, {
      name: 'criteria-readers',
      kind: 'criteria',
      criteria: [{ field: 'resource-name', op: 'starts-with', value: CRITERIA_PREFIX }],
    });
    await core.sharing.grant(
      bench,
      { kind: 'group', name: 'bench/criteria-readers' },
      { kind: 'user', name: reader.name },
      'view',
    );

    // Other users' shares, so the shares table is not the reader's alone.
    for (let u = 0; u < NOISE_USERS; u++) {
      const other = await v.addUser(`other${u}`, 'password-user');
      await contextOf(core).store.tx(async (r) => {
        for (let k = 0; k < NOISE_SHARES_PER_USER; k++) {
          const ri = OWNED_BY_BENCH.to + rnd(RESOURCES - OWNED_BY_BENCH.to);
          const share: Share = {
            id: ids.next(),
            objectKind: 'account',
            objectId: accountIds[ri]![rnd(accountIds[ri]!.length)]!,
            granteeKind: 'user',
            granteeId: other.user.id,
            privilege: 'view',
            grantedBy: v.host.name,
            grantedAt: now,
          };
          await r.shares.upsert(share);
        }
      });
    }
  }

  function ownerTargets(): () => Target {
    return () => {
      const ri = OWNED_BY_BENCH.from + rnd(OWNED_BY_BENCH.to - OWNED_BY_BENCH.from);
      const ai = rnd(PER_RESOURCE);
      return { ref: `${resourceName(ri)}/${accountName(ai)}`, expected: plaintextOf(ri, ai), path: 'owner' };
    };
  }

  function readerTargets(): () => Target {
    const criteria: number[] = [];
    for (let ri = OWNED_BY_BENCH.from; ri < OWNED_BY_BENCH.to; ri++)
      if (resourceName(ri).startsWith(CRITERIA_PREFIX)) criteria.push(ri);
    const pick = (ri: number, ai: number, path: string): Target => ({
      ref: `${resourceName(ri)}/${accountName(ai)}`,
      expected: plaintextOf(ri, ai),
      path,
    });
    const paths = [
      () =>
        pick(
          ACCOUNT_SHARED.from + rnd(ACCOUNT_SHARED.to - ACCOUNT_SHARED.from),
          SHARE_STRIDE * rnd(ACCOUNT_SHARES_PER_RESOURCE),
          'account share',
        ),
      () =>
        pick(
          RESOURCE_SHARED.from + rnd(RESOURCE_SHARED.to - RESOURCE_SHARED.from),
          rnd(PER_RESOURCE),
          'resource share',
        ),
      () =>
        pick(STATIC_GROUP.from + rnd(STATIC_GROUP.to - STATIC_GROUP.from), rnd(PER_RESOURCE), 'static group'),
      () => pick(criteria[rnd(criteria.length)]!, rnd(PER_RESOURCE), 'criteria group'),
    ];
    return () => paths[rnd(paths.length)]!();
  }

  return { seed, ownerTargets, readerTargets };
}

/** The value each seeded account holds, for checking what a reveal returned. */
export { plaintextOf };
