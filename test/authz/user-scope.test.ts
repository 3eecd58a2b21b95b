// User administration across scopes: every user-administration operation × the actor's role and
// scope × the target's role and scope, with deny-super-admin-creation on. The rule: nobody changes
// the credentials, keys, TOTP, role, scope, status or existence of a user whose scope is wider than
// their own — otherwise an administrator without the all-passwords scope takes over a super
// administrator (or the built-in `admin`) and sees everything through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError, OPERATIONS, type Actor, type Operation } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { randomEd25519KeyLine } from '../support/ssh-key-line.ts';

type ActorKind = 'admin' | 'super-admin' | 'super-password-admin' | 'host';
type TargetKind =
  'password-user' | 'auditor' | 'admin' | 'password-admin' | 'super-admin' | 'super-password-admin';
type Outcome = 'ok' | 'forbidden' | 'invalid';

const ACTORS: ActorKind[] = ['admin', 'super-admin', 'super-password-admin', 'host'];
const TARGETS: TargetKind[] = [
  'password-user',
  'auditor',
  'admin',
  'password-admin',
  'super-admin',
  'super-password-admin',
];
const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';

const wide = (t: TargetKind) => t.startsWith('super-');
const managerTarget = (t: TargetKind) => t.includes('admin');

/** The specification, written out by hand. */
function expected(op: string, a: ActorKind, t: TargetKind): Outcome {
  // Only administrators administer users (the role comes first, whatever the scope).
  if (a === 'super-password-admin') return 'forbidden';
  const superActor = a === 'super-admin' || a === 'host';
  if (wide(t) && !superActor) return 'forbidden';
  if (op === 'grant scope') {
    if (!managerTarget(t)) return 'invalid';
    // deny-super-admin-creation is on in this matrix.
    if (!superActor) return 'forbidden';
  }
  return 'ok';
}

interface Cell {
  v: TestVault;
  target: string;
}

/** Each user-administration operation, possibly in several forms; `op` names its OPERATIONS entry. */
const CASES: { name: string; op: Operation; invoke: (c: Cell, a: Actor) => Promise<unknown> }[] = [
  {
    name: 'update',
    op: 'user.update',
    invoke: (c, a) => c.v.core.users.update(a, c.target, { department: 'x' }),
  },
  {
    name: 'deactivate',
    op: 'user.update',
    invoke: (c, a) => c.v.core.users.update(a, c.target, { status: 'inactive' }),
  },
  {
    name: 'set-role',
    op: 'user.set-role',
    invoke: (c, a) => c.v.core.users.setRole(a, c.target, 'password-user'),
  },
  { name: 'drop scope', op: 'user.set-scope', invoke: (c, a) => c.v.core.users.setScope(a, c.target, false) },
  { name: 'grant scope', op: 'user.set-scope', invoke: (c, a) => c.v.core.users.setScope(a, c.target, true) },
  { name: 'delete', op: 'user.delete', invoke: (c, a) => c.v.core.users.remove(a, c.target) },
  {
    name: 'passwd',
    op: 'user.set-password',
    invoke: (c, a) => c.v.core.users.setPassword(a, c.target, pw(GOOD)),
  },
  {
    name: 'sshkey add',
    op: 'credentials.others',
    invoke: (c, a) => c.v.core.credentials.addPublicKey(a, c.target, randomEd25519KeyLine('scope')),
  },
  {
    name: 'sshkey remove',
    op: 'credentials.others',
    invoke: async (c, a) => {
      const k = await c.v.core.credentials.addPublicKey(c.v.host, c.target, randomEd25519KeyLine('scope'));
      return c.v.core.credentials.removePublicKey(a, c.target, k.fingerprint);
    },
  },
  {
    name: 'totp enable',
    op: 'credentials.others',
    invoke: (c, a) => c.v.core.credentials.enableTotp(a, c.target),
  },
  {
    name: 'totp disable',
    op: 'credentials.others',
    invoke: async (c, a) => {
      await c.v.core.credentials.enableTotp(c.v.host, c.target);
      return c.v.core.credentials.disableTotp(a, c.target);
    },
  },
  { name: 'unlock', op: 'user.unlock', invoke: (c, a) => c.v.core.logins.unlock(a, c.target) },
];

/**
 * Operations that take another user as their object and so belong in this matrix. The others
 * named `user.*` create a user (checked by deny-super-admin-creation), list, or act on oneself.
 */
const NOT_ON_ANOTHER_USER = new Set<string>([
  'user.create',
  'user.list',
  'user.change-own-password',
  'user.password-rules',
]);

function userAdminOps(ops: Record<string, unknown>): string[] {
  return Object.keys(ops).filter(
    (op) => (op.startsWith('user.') && !NOT_ON_ANOTHER_USER.has(op)) || op === 'credentials.others',
  );
}

function missingCases(ops: Record<string, unknown>): string[] {
  const covered = new Set<string>(CASES.map((c) => c.op));
  return userAdminOps(ops).filter((op) => !covered.has(op));
}

it('has a case for every operation on another user', () => {
  expect(missingCases(OPERATIONS)).toEqual([]);
});

it('probe: a new user-administration operation without a case fails the check above', () => {
  expect(missingCases({ ...OPERATIONS, 'user.impersonate': { roles: ['admin'] } })).toEqual([
    'user.impersonate',
  ]);
});

describe('user administration across scopes (deny-super-admin-creation on)', () => {
  let v: TestVault;
  const actors = new Map<ActorKind, Actor>();

  beforeAll(async () => {
    v = await createTestVault();
    actors.set('admin', await v.addUser('act-admin', 'admin'));
    actors.set('super-admin', await v.addUser('act-super', 'admin', { superAdmin: true }));
    actors.set('super-password-admin', await v.addUser('act-spa', 'password-admin', { superAdmin: true }));
    actors.set('host', v.host);
    await v.core.settings.setSuperAdminCreationDenied(v.host, true);
  }, 60_000);
  afterAll(async () => v?.close());

  it.each(ACTORS)(
    'as %s, every operation on every kind of user is allowed or refused as specified',
    async (actorKind) => {
      const actor = actors.get(actorKind)!;
      const mismatches: string[] = [];
      let i = 0;
      for (const t of TARGETS) {
        for (const c of CASES) {
          const target = `x-${actorKind}-${++i}`;
          await v.core.users.create(v.host, {
            username: target,
            role: t.replace('super-', '') as 'admin',
            superAdmin: wide(t),
          });
          const want = expected(c.name, actorKind, t);
          const got = await c.invoke({ v, target }, actor).then(
            () => 'ok',
            (e: unknown) => outcomeOf(e),
          );
          if (got !== want) mismatches.push(`${c.name} on ${t}: expected ${want}, got ${got}`);
        }
      }
      expect(mismatches).toEqual([]);
    },
    120_000,
  );

  it('an administrator without the all-passwords scope cannot register a key for the built-in admin', async () => {
    await expect(
      v.core.credentials.addPublicKey(actors.get('admin')!, 'admin', randomEd25519KeyLine('scope')),
    ).rejects.toMatchObject({
      code: 'E_FORBIDDEN',
    });
    expect(await v.core.credentials.listPublicKeys(v.host, 'admin')).toEqual([]);
    const admin = await v.core.users.get(v.host, 'admin');
    expect(admin.superAdmin).toBe(true);
  });

  it('a refusal leaves the super administrator unchanged and is audited', async () => {
    const a = actors.get('admin')!;
    await v.core.users.create(v.host, { username: 'keep-super', role: 'admin', superAdmin: true });
    await expect(v.core.users.setRole(a, 'keep-super', 'password-user')).rejects.toThrow(/wider/);
    const u = await v.core.users.get(v.host, 'keep-super');
    expect([u.role, u.superAdmin]).toEqual(['admin', true]);
    const rows = await v.core.audit.query(v.host, { type: 'authz.denied', target: 'keep-super' });
    expect(rows.map((r) => [r.actor, r.result])).toEqual([['act-admin', 'denied']]);
  });
});

function outcomeOf(e: unknown): Outcome | string {
  if (!(e instanceof CustodyError)) return `unexpected ${String(e)}`;
  if (e.code === 'E_FORBIDDEN') return 'forbidden';
  if (e.code === 'E_VALIDATION') return 'invalid';
  return `${e.code}: ${e.message}`;
}
