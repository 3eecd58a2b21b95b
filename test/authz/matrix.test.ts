// The authorization matrix: every core operation × every role (plus a super administrator) ×
// each share privilege and none, run through the real services. The expectations below are
// written out by hand as the specification; OPERATIONS in core is the implementation. A core
// operation with no row here fails the first test, so nothing is added without a decision.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actorFor,
  CustodyError,
  type ErrorCode,
  OPERATIONS,
  type Actor,
  type Operation,
  type Privilege,
  ResetEngine,
} from '../../core/index.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { randomEd25519KeyLine } from '../support/ssh-key-line.ts';
import { contextOf } from '../support/core-internals.ts';
import { registerFake } from '../support/live.ts';

type Kind = 'admin' | 'password-admin' | 'password-user' | 'auditor' | 'super';
type Priv = Privilege | 'none';
type Outcome = 'ok' | 'not-found' | 'forbidden';

const KINDS: Kind[] = ['admin', 'password-admin', 'password-user', 'auditor', 'super'];
const PRIVS: Priv[] = ['none', 'view', 'modify', 'manage'];
const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const GOOD2 = 'Yb3%Nc6^Wd1*Qe5(Hf0z';

/** Role-only operation: allowed kinds succeed, others are forbidden. */
const roles =
  (...allowed: Kind[]) =>
  (k: Kind): Outcome =>
    allowed.includes(k) ? 'ok' : 'forbidden';

const RANK: Record<Priv | 'owner', number> = { none: 0, view: 1, modify: 2, manage: 3, owner: 4 };

/**
 * Object operation: super administrators hold everything; without a share the object does not
 * exist for the actor; password users and auditors get at most modify from a share.
 */
const onObject =
  (allowed: Kind[], need: Privilege | 'owner') =>
  (k: Kind, p: Priv): Outcome => {
    if (k === 'super') return allowed.includes('admin') ? 'ok' : 'forbidden';
    if (p === 'none') return 'not-found';
    if (!allowed.includes(k)) return 'forbidden';
    const capped = (k === 'password-user' || k === 'auditor') && p === 'manage' ? 'modify' : p;
    return RANK[capped] >= RANK[need] ? 'ok' : 'forbidden';
  };

/** An administrators' operation that also names an object: the role first, then the object. */
const adminsOn =
  (need: Privilege) =>
  (k: Kind, p: Priv): Outcome =>
    k === 'admin' || k === 'super' ? onObject(['admin'], need)(k, p) : 'forbidden';

const MANAGERS: Kind[] = ['admin', 'password-admin', 'super'];
const EVERYONE: Kind[] = ['admin', 'password-admin', 'password-user', 'auditor', 'super'];

interface Fixture {
  v: TestVault;
  /** Unique suffix for this cell's objects. */
  n: string;
  /** Where this cell's share goes: a resource (with one account) and a group containing it. */
  resource: string;
  account: string;
  group: string;
}

interface Row {
  expect: (k: Kind, p: Priv) => Outcome;
  /** Share the group instead of the resource. */
  shareGroup?: boolean;
  invoke: (f: Fixture, a: Actor) => Promise<unknown>;
}

const ROWS: Record<Operation, Row> = {
  'user.create': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.users.create(a, { username: `u-${f.n}`, role: 'password-user' }),
  },
  'user.list': { expect: roles('admin', 'super'), invoke: (f, a) => f.v.core.users.list(a) },
  'user.update': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.users.update(a, `t-${f.n}`, { department: 'ops' }),
  },
  'user.set-role': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.users.setRole(a, `t-${f.n}`, 'auditor'),
  },
  'user.set-scope': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.users.setScope(a, `ta-${f.n}`, true),
  },
  'user.delete': { expect: roles('admin', 'super'), invoke: (f, a) => f.v.core.users.remove(a, `t-${f.n}`) },
  'user.set-password': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.users.setPassword(a, `t-${f.n}`, pw(GOOD)),
  },
  'user.unlock': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.logins.unlock(a, `t-${f.n}`),
  },
  // A one-time web link signs in the actor's own user only, so anyone may make one.
  'web.link': {
    expect: roles(...EVERYONE),
    invoke: (f, a) => f.v.core.webLinks.create(a, `/recordings/${f.n}`),
  },
  'user-group.create': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.userGroups.create(a, `ug-new-${f.n}`),
  },
  'user-group.update': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.userGroups.updateSettings(a, `ug-${f.n}`, { allowPersonal: false }),
  },
  'user-group.delete': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.userGroups.remove(a, `ug-${f.n}`),
  },
  'user-group.list': { expect: roles('admin', 'super'), invoke: (f, a) => f.v.core.userGroups.list(a) },
  'settings.change': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.settings.setOrgWideTree(a, true),
  },
  'settings.deny-super-admin-creation': {
    expect: roles('super'),
    invoke: (f, a) => f.v.core.settings.setSuperAdminCreationDenied(a, false),
  },
  'resource-type.create': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.catalog.addType(a, { name: `type-${f.n}`, likeType: 'linux' }),
  },
  'resource-type.delete': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.catalog.removeType(a, `oldtype-${f.n}`),
  },
  'custom-field.create': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.catalog.addField(a, 'account', `f-${f.n}`.slice(0, 90), 'text'),
  },
  'policy.create': {
    expect: roles('admin', 'super'),
    invoke: (f, a) =>
      f.v.core.policies.create(a, {
        name: `p-${f.n}`,
        description: '',
        minLength: 10,
        maxLength: 40,
        mixedCase: true,
        minDigits: 1,
        requireSpecial: false,
        minSpecial: 0,
        startWithAlpha: false,
        allowLoginName: false,
        historyCount: 2,
        maxAgeDays: 0,
      }),
  },
  'policy.update': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.policies.update(a, `pol-${f.n}`, { minLength: 12 }),
  },
  'policy.delete': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.policies.remove(a, `pol-${f.n}`),
  },
  'policy.set-default': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.policies.setDefault(a, 'Strong'),
  },
  'policy.list': { expect: roles(...EVERYONE), invoke: (f, a) => f.v.core.policies.list(a) },
  'resource.create': {
    expect: roles(...MANAGERS),
    invoke: (f, a) => f.v.core.resources.create(a, { name: `new-${f.n}`, type: 'linux' }),
  },
  'resource.view': {
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.resources.get(a, f.resource),
  },
  'resource.update': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.resources.update(a, f.resource, { description: 'x' }),
  },
  'resource.delete': {
    expect: onObject(MANAGERS, 'owner'),
    invoke: (f, a) => f.v.core.resources.remove(a, f.resource),
  },
  'resource.transfer': {
    expect: onObject(MANAGERS, 'owner'),
    invoke: (f, a) => f.v.core.resources.transfer(a, f.resource, 'owner2'),
  },
  'account.create': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.accounts.add(a, f.resource, 'extra', pw(GOOD)),
  },
  'account.view': {
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.accounts.get(a, f.account),
  },
  'account.reveal': {
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.accounts.reveal(a, f.account),
  },
  'account.change-password': {
    expect: onObject(EVERYONE, 'modify'),
    invoke: (f, a) => f.v.core.accounts.changePassword(a, f.account, pw(GOOD2)),
  },
  'password.reset': {
    expect: onObject(EVERYONE, 'modify'),
    // A stand-in connector that accepts every change: this row is about who may reset.
    invoke: (f, a) =>
      new ResetEngine(contextOf(f.v.core), { unix: { change: async () => undefined } }).resetAccount(
        a,
        f.account,
      ),
  },
  'password.verify': {
    expect: onObject(EVERYONE, 'view'),
    // No connectors in the fixture: the verdict is `unsupported`; this row is about who may verify.
    invoke: (f, a) => f.v.core.verification.verify(a, f.account),
  },
  'password.verify-all': {
    expect: roles(...MANAGERS),
    invoke: (f, a) => f.v.core.verification.verifyAll(a, {}),
  },
  'rotation.create': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) =>
      f.v.core.rotation.create(a, {
        name: `rot-${f.n}`,
        group: f.group,
        schedule: { kind: 'days', everyDays: 7 },
      }),
  },
  'rotation.delete': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'manage'),
    invoke: async (f, a) => {
      await rotationTask(f);
      return f.v.core.rotation.remove(a, `rot-${f.n}`);
    },
  },
  'rotation.run': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'manage'),
    invoke: async (f, a) => {
      await rotationTask(f);
      return f.v.core.rotation.run(a, `rot-${f.n}`);
    },
  },
  'rotation.report': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'manage'),
    invoke: async (f, a) => {
      await rotationTask(f);
      return f.v.core.rotation.report(a, `rot-${f.n}`);
    },
  },
  'rotation.list': { expect: roles(...MANAGERS), invoke: (f, a) => f.v.core.rotation.list(a) },
  'reset.configure': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.resetSettings.configure(a, f.resource, { writeMemory: false }),
  },
  'account.history': {
    expect: onObject(EVERYONE, 'modify'),
    invoke: (f, a) => f.v.core.accounts.history(a, f.account),
  },
  'account.update': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.accounts.update(a, f.account, { notes: 'n' }),
  },
  'account.delete': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.accounts.remove(a, f.account),
  },
  'account.favourite': {
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.explorer.setFavourite(a, f.account, true),
  },
  'share.grant': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) =>
      f.v.core.sharing.grant(
        a,
        { kind: 'resource', name: f.resource },
        { kind: 'user', name: 'third' },
        'view',
      ),
  },
  'share.revoke': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) =>
      f.v.core.sharing.revoke(a, { kind: 'resource', name: f.resource }, { kind: 'user', name: 'bystander' }),
  },
  'resource-group.create': {
    expect: roles(...MANAGERS),
    invoke: (f, a) => f.v.core.groups.create(a, { name: `g-new-${f.n}`, kind: 'static' }),
  },
  'resource-group.view': {
    shareGroup: true,
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.groups.members(a, f.group),
  },
  'resource-group.update': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.groups.update(a, f.group, { description: 'd' }),
  },
  'resource-group.delete': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'owner'),
    invoke: (f, a) => f.v.core.groups.remove(a, f.group),
  },
  'resource-group.transfer': {
    shareGroup: true,
    expect: onObject(MANAGERS, 'owner'),
    invoke: (f, a) => f.v.core.groups.transfer(a, f.group, 'owner2'),
  },
  'explorer.edit-org-tree': {
    expect: roles(...MANAGERS),
    invoke: (f, a) =>
      f.v.core.explorer.setOrgTree(a, {
        rootName: 'Org',
        nodes: [{ id: 'n1', name: 'All', parentId: null }],
      }),
  },
  'personal.manage': {
    expect: roles(...EVERYONE),
    invoke: (f, a) => f.v.core.personal.add(a, { title: `p-${f.n}`, password: pw(GOOD) }),
  },
  'audit.read': {
    expect: roles('admin', 'auditor', 'super'),
    invoke: (f, a) => f.v.core.audit.query(a, { limit: 5 }),
  },
  'audit.verify': { expect: roles('admin', 'auditor', 'super'), invoke: (f, a) => f.v.core.audit.verify(a) },
  'import.users': {
    expect: roles('admin', 'super'),
    invoke: (f, a) =>
      f.v.core.imports.importUsers(
        a,
        'u.csv',
        `First Name,Last Name,User Name,Email Address\nA,B,imp-${f.n},a@b.example\n`,
      ),
  },
  'import.resources': {
    expect: roles(...MANAGERS),
    invoke: (f, a) =>
      f.v.core.imports.importResources(
        a,
        'r.csv',
        `Resource Name,Account Name,Password\nimp-${f.n},root,${GOOD}\n`,
      ),
  },
  'credentials.own': {
    expect: roles(...EVERYONE),
    invoke: (f, a) => f.v.core.credentials.addPublicKey(a, a.user.username, randomEd25519KeyLine('matrix')),
  },
  'credentials.others': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.credentials.addPublicKey(a, `t-${f.n}`, randomEd25519KeyLine('matrix')),
  },
  'session.open': {
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.sessions.authorize(a, f.account),
  },
  'session.list-live': {
    expect: roles('admin', 'super'),
    invoke: async (f, a) => f.v.core.live.list(a),
  },
  'wallboard.view': {
    expect: roles('admin', 'auditor', 'super'),
    invoke: (f, a) => f.v.core.board.snapshot(a),
  },
  'session.shadow': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.live.shadow(a, `live-${f.n}`),
  },
  'session.terminate': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.live.terminate(a, `live-${f.n}`, 'matrix'),
  },
  'landing.manage': {
    // The primary account is used for every session through the landing server, so naming it
    // needs view on it (and a hidden one is answered as missing).
    expect: adminsOn('view'),
    invoke: (f, a) => f.v.core.landing.add(a, { name: `l-${f.n}`, primary: f.account }),
  },
  'landing.list': { expect: roles(...MANAGERS), invoke: (f, a) => f.v.core.landing.list(a) },
  // Accepting a changed host key decides which server the vault talks to.
  'host-key.manage': {
    expect: adminsOn('manage'),
    invoke: (f, a) => f.v.core.hostKeys.accept(a, f.resource),
  },
  'key.rotate': {
    expect: roles('super'),
    invoke: (f, a) => f.v.core.keys.rotate(a, `${f.v.home}/keys/custody.key`),
  },
  'resource-type.list': { expect: roles(...EVERYONE), invoke: (f, a) => f.v.core.catalog.listTypes(a) },
  'custom-field.list': { expect: roles(...EVERYONE), invoke: (f, a) => f.v.core.catalog.listFields(a) },
  // `custody reset --reconcile` did no check of its own before; the server's start-up still runs it.
  'reset.reconcile': { expect: roles('admin', 'super'), invoke: (f, a) => f.v.core.resets.reconcileAs(a) },
  // Opening every secret with the key file: the CLI checked this itself before; now core does.
  'key.check': {
    expect: roles('super'),
    invoke: (f, a) => f.v.core.keys.check(a, `${f.v.home}/keys/custody.key`),
  },
  'recording.list': {
    expect: roles('admin', 'auditor', 'super'),
    invoke: (f, a) => f.v.core.recordings.list(a, { limit: 5 }),
  },
  'recording.export': {
    expect: roles('admin', 'auditor', 'super'),
    invoke: async (f, a) => {
      const w = await f.v.core.recordings.open(
        {
          sessionId: `s-${f.n}`,
          user: 'someone',
          target: f.account,
          protocol: 'ssh',
          cols: 80,
          rows: 24,
          source: 'test',
          startedAt: new Date(),
        },
        'best-effort',
      );
      await w.close();
      return f.v.core.recordings.export(a, w.id, 'asciicast');
    },
  },
  // Searching is reading recordings: the same people as listing them.
  'recording.search': {
    expect: roles('admin', 'auditor', 'super'),
    invoke: (f, a) => f.v.core.recordingSearch.search(a, `word-${f.n}`),
  },
  'recording.hold': {
    expect: roles('admin', 'auditor', 'super'),
    invoke: async (f, a) => {
      const w = await f.v.core.recordings.open(
        {
          sessionId: `s-${f.n}`,
          user: 'someone',
          target: f.account,
          protocol: 'ssh',
          cols: 80,
          rows: 24,
          source: 'test',
          startedAt: new Date(),
        },
        'best-effort',
      );
      await w.close();
      return f.v.core.recordingRetention.hold(a, w.id, 'litigation');
    },
  },
  'recording.purge': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.recordingRetention.purge(a, 36_500),
  },
  'user.change-own-password': {
    expect: roles(...EVERYONE),
    invoke: async (f, a) => {
      // Each cell uses its own throw-away login so the actor's own password never changes.
      const u = await f.v.addUser(`self-${f.n}`, a.user.role, { superAdmin: a.user.superAdmin });
      const actor = { ...a, user: u.user, name: u.name };
      return f.v.core.selfService.changeOwnPassword(actor, pw(USER_PASSWORD), pw(GOOD2));
    },
  },
  'user.password-rules': {
    expect: roles(...EVERYONE),
    invoke: (f, a) => f.v.core.selfService.passwordRules(a),
  },
  'access.configure': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: (f, a) => f.v.core.access.configure(a, f.resource, { approvers: ['admin'] }),
  },
  'access.view-settings': {
    expect: onObject(EVERYONE, 'view'),
    invoke: (f, a) => f.v.core.access.show(a, f.resource),
  },
  'access.request': {
    expect: onObject(EVERYONE, 'view'),
    invoke: async (f, a) => {
      await f.v.core.access.configure(f.v.host, f.resource, { approvers: ['admin'] });
      return f.v.core.access.request(a, f.account, 'matrix');
    },
  },
  'access.approve': {
    expect: roles(...MANAGERS),
    invoke: async (f, a) => {
      // The actor is the authoriser where its role allows; the bystander (view share) requests.
      const approver =
        a.user.role === 'password-user' || a.user.role === 'auditor' ? 'admin' : a.user.username;
      await f.v.core.access.configure(f.v.host, f.resource, { approvers: [approver] });
      const req = await f.v.core.access.request(await userActor(f, 'bystander'), f.account, 'matrix');
      return f.v.core.access.approve(a, req.id);
    },
  },
  'access.checkout': {
    expect: onObject(EVERYONE, 'view'),
    invoke: async (f, a) => {
      await f.v.core.access.configure(f.v.host, f.resource, { approvers: ['admin'], autoApprove: 'always' });
      await f.v.core.access.request(a, f.account, 'matrix');
      return f.v.core.access.checkout(a, f.account);
    },
  },
  'access.checkin': {
    expect: onObject(EVERYONE, 'view'),
    invoke: async (f, a) => {
      await f.v.core.access.configure(f.v.host, f.resource, { approvers: ['admin'], autoApprove: 'always' });
      await f.v.core.access.request(a, f.account, 'matrix');
      await f.v.core.access.checkout(a, f.account);
      return f.v.core.access.checkin(a, f.account);
    },
  },
  'access.force-checkin': {
    expect: onObject(MANAGERS, 'manage'),
    invoke: async (f, a) => {
      await f.v.core.access.configure(f.v.host, f.resource, { approvers: ['admin'], autoApprove: 'always' });
      const holder = await userActor(f, 'bystander');
      await f.v.core.access.request(holder, f.account, 'matrix');
      await f.v.core.access.checkout(holder, f.account);
      return f.v.core.access.checkin(a, f.account, { force: true });
    },
  },
  'access.list': { expect: roles(...EVERYONE), invoke: (f, a) => f.v.core.access.list(a) },
  'listener.manage': {
    expect: roles('admin', 'super'),
    invoke: (f, a) =>
      f.v.core.listeners.add(a, `l-${f.n}`, { resourceType: 'linux', command: '/bin/true', args: ['x'] }),
  },
  'listener.approve': {
    // Written by the host administrator, so every administrator here is a second one.
    expect: roles('admin', 'super'),
    invoke: async (f, a) => {
      await f.v.core.listeners.add(f.v.host, `la-${f.n}`, { resourceType: 'linux', command: '/bin/true' });
      return f.v.core.listeners.approve(a, `la-${f.n}`);
    },
  },
  'sync.manage': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.sync.addChannel(a, `ch-${f.n}`),
  },
  'sync.link': {
    // Linking lets the channel overwrite the account's password: modify, and a hidden account
    // is answered as a missing one.
    expect: adminsOn('modify'),
    invoke: async (f, a) => {
      await f.v.core.sync.addChannel(f.v.host, `cl-${f.n}`);
      return f.v.core.sync.link(a, `cl-${f.n}`, f.account);
    },
  },
  'sync.publish': {
    expect: onObject(EVERYONE, 'modify'),
    invoke: async (f, a) => {
      await f.v.core.sync.addChannel(f.v.host, `cp-${f.n}`);
      await f.v.core.sync.link(f.v.host, `cp-${f.n}`, f.account);
      return f.v.core.sync.publish(a, `cp-${f.n}`, f.account, pw(GOOD2));
    },
  },
  // API keys act as their user: only administrators issue, list and revoke them.
  'apikey.create': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.apiKeys.create(a, { name: `k-${f.n}`, user: 'bystander' }),
  },
  'apikey.list': { expect: roles('admin', 'super'), invoke: (f, a) => f.v.core.apiKeys.list(a) },
  'apikey.revoke': {
    expect: roles('admin', 'super'),
    invoke: async (f, a) => {
      await f.v.core.apiKeys.create(f.v.host, { name: `kr-${f.n}`, user: 'bystander' });
      return f.v.core.apiKeys.revoke(a, `kr-${f.n}`);
    },
  },
  'notify.daily-check': {
    expect: roles('admin', 'super'),
    invoke: (f, a) => f.v.core.passwordEvents.dailyCheck(a),
  },
};

/** A rotation task on the cell's group, made by the host administrator. */
function rotationTask(f: Fixture) {
  return f.v.core.rotation.create(f.v.host, {
    name: `rot-${f.n}`,
    group: f.group,
    schedule: { kind: 'monthly', monthDay: 1 },
  });
}

/** Another user of the fixture vault, as an actor. */
async function userActor(f: Fixture, name: string): Promise<Actor> {
  const u = (await contextOf(f.v.core).store.read((r) => r.users.byName(name)))!;
  return actorFor(u, 'test');
}

function outcomeOf(e: unknown): Outcome | string {
  if (!(e instanceof CustodyError)) return `unexpected ${String(e)}`;
  if (e.code === 'E_NOT_FOUND') return 'not-found';
  if (e.code === 'E_FORBIDDEN') return 'forbidden';
  return `${e.code}: ${e.message}`;
}

/** Operations with no row, and rows for no operation: both must be empty. */
function coverage(ops: Record<string, unknown>): { missing: string[]; extra: string[] } {
  return {
    missing: Object.keys(ops).filter((op) => !(op in ROWS)),
    extra: Object.keys(ROWS).filter((op) => !(op in ops)),
  };
}

it('has a row for every core operation, and no row for an operation that does not exist', () => {
  expect(coverage(OPERATIONS)).toEqual({ missing: [], extra: [] });
});

it('probe: an operation added to OPERATIONS without a matrix row fails the check above', () => {
  expect(coverage({ ...OPERATIONS, 'probe.unlisted': { roles: ['admin'] } })).toEqual({
    missing: ['probe.unlisted'],
    extra: [],
  });
});

describe.each(KINDS)('as %s', (kind) => {
  let v: TestVault;
  let actor: Actor;

  beforeAll(async () => {
    v = await createTestVault();
    actor = await v.addUser('actor', kind === 'super' ? 'admin' : kind, { superAdmin: kind === 'super' });
    await v.addUser('third', 'password-user');
    await v.addUser('bystander', 'password-user');
    await v.addUser('owner2', 'password-admin');
  }, 60_000);
  afterAll(async () => v?.close());

  it.each(PRIVS)(
    'with a %s share, every operation is allowed or denied as specified',
    async (priv) => {
      const mismatches: string[] = [];
      let i = 0;
      for (const [op, row] of Object.entries(ROWS) as [Operation, Row][]) {
        const n = `${priv}-${++i}`;
        const f: Fixture = { v, n, resource: `res-${n}`, account: `res-${n}/root`, group: `grp-${n}` };
        await prepare(f, priv, row.shareGroup ?? false);
        const want = row.expect(kind, priv);
        const got = await row.invoke(f, actor).then(
          () => 'ok' as const,
          (e: unknown) => outcomeOf(e),
        );
        if (got !== want) mismatches.push(`${op}: expected ${want}, got ${got}`);
      }
      expect(mismatches).toEqual([]);
    },
    120_000,
  );

  /** Objects owned by the built-in administrator, shared with the actor at `priv`. */
  async function prepare(f: Fixture, priv: Priv, shareGroup: boolean): Promise<void> {
    const h = v.host;
    await v.core.resources.create(h, { name: f.resource, type: 'linux', dnsName: 'h.example' });
    await v.core.accounts.add(h, f.resource, 'root', pw(GOOD));
    await v.core.groups.create(h, { name: f.group, kind: 'static' });
    await v.core.groups.addResource(h, f.group, f.resource);
    await v.core.sharing.grant(
      h,
      { kind: 'resource', name: f.resource },
      { kind: 'user', name: 'bystander' },
      'view',
    );
    if (priv !== 'none') {
      const target = shareGroup
        ? { kind: 'group' as const, name: f.group }
        : { kind: 'resource' as const, name: f.resource };
      await v.core.sharing.grant(h, target, { kind: 'user', name: 'actor' }, priv);
    }
    await v.core.users.create(h, { username: `t-${f.n}`, role: 'password-user' });
    await v.core.users.create(h, { username: `ta-${f.n}`, role: 'password-admin' });
    await v.core.userGroups.create(h, `ug-${f.n}`);
    await v.core.catalog.addType(h, { name: `oldtype-${f.n}` });
    await v.core.policies.create(h, {
      name: `pol-${f.n}`,
      description: '',
      minLength: 8,
      maxLength: 40,
      mixedCase: false,
      minDigits: 0,
      requireSpecial: false,
      minSpecial: 0,
      startWithAlpha: false,
      allowLoginName: true,
      historyCount: 0,
      maxAgeDays: 0,
    });
    await v.core.settings.setOrgWideTree(h, true);
    await registerFake(v.core.live.registry, { id: `live-${f.n}` });
  }
});

// ---- Password changes under access control -------------------------------------------------
// Every path that stores a password, on a resource with access control active, × each role ×
// who holds a check-out (nobody, the actor, someone else). The actor holds a manage share (capped
// to modify for password users and auditors), so the plain matrix above says every path but the
// import is allowed; what differs here is the access-control rule (requireMayChangePassword and
// docs/operators/requests-and-checkout.md): a password of one's choosing needs one's own check-out;
// a generated reset needs only that nobody else holds it; while someone else holds it nobody
// changes it. Self-service changes the login password, which no resource's access control covers.

type Holder = 'nobody' | 'own' | 'other';
const HOLDERS: Holder[] = ['nobody', 'own', 'other'];
type ChangePath =
  'set-password' | 'reset chosen' | 'reset generated' | 'import overwrite' | 'sync publish' | 'self-service';

const CHANGE_EXPECT: Record<ChangePath, (k: Kind, h: Holder) => Outcome> = {
  'set-password': (_k, h) => (h === 'own' ? 'ok' : 'forbidden'),
  'reset chosen': (_k, h) => (h === 'own' ? 'ok' : 'forbidden'),
  'reset generated': (_k, h) => (h === 'other' ? 'forbidden' : 'ok'),
  // Import is for managers only (role), whatever the check-out.
  'import overwrite': (k, h) => (MANAGERS.includes(k) && h === 'own' ? 'ok' : 'forbidden'),
  'sync publish': (_k, h) => (h === 'own' ? 'ok' : 'forbidden'),
  'self-service': () => 'ok',
};

const CHANGE_INVOKE: Record<ChangePath, (f: Fixture, a: Actor) => Promise<unknown>> = {
  'set-password': (f, a) => f.v.core.accounts.changePassword(a, f.account, pw(GOOD2)),
  'reset chosen': (f, a) =>
    new ResetEngine(contextOf(f.v.core), { unix: { change: async () => undefined } }).resetAccount(
      a,
      f.account,
      {
        newPassword: pw(GOOD2),
      },
    ),
  'reset generated': (f, a) =>
    new ResetEngine(contextOf(f.v.core), { unix: { change: async () => undefined } }).resetAccount(
      a,
      f.account,
    ),
  'import overwrite': async (f, a) => {
    const report = await f.v.core.imports.importResources(
      a,
      'r.csv',
      `Resource Name,Account Name,Password\n${f.resource},root,${GOOD2}\n`,
      { overwrite: true },
    );
    const line = report.results[0]!;
    // A refused line is reported in the import's results: turn it back into the refusal.
    if (line.code) throw new CustodyError(line.code as ErrorCode, line.message ?? '');
    return report;
  },
  'sync publish': async (f, a) => {
    await f.v.core.sync.addChannel(f.v.host, `cp-${f.n}`);
    await f.v.core.sync.link(f.v.host, `cp-${f.n}`, f.account);
    return f.v.core.sync.publish(a, `cp-${f.n}`, f.account, pw(GOOD2));
  },
  'self-service': async (f, a) => {
    const u = await f.v.addUser(`selfac-${f.n}`, a.user.role, { superAdmin: a.user.superAdmin });
    return f.v.core.selfService.changeOwnPassword(
      { ...a, user: u.user, name: u.name },
      pw(USER_PASSWORD),
      pw(GOOD2),
    );
  },
};

describe.each(KINDS)('under access control, as %s', (kind) => {
  let v: TestVault;
  let actor: Actor;

  beforeAll(async () => {
    v = await createTestVault();
    actor = await v.addUser('actor', kind === 'super' ? 'admin' : kind, { superAdmin: kind === 'super' });
    await v.addUser('holder', 'password-user');
  }, 60_000);
  afterAll(async () => v?.close());

  it.each(HOLDERS)(
    'with the check-out held by %s, every password-changing path is allowed or refused as specified',
    async (holder) => {
      const mismatches: string[] = [];
      let i = 0;
      for (const path of Object.keys(CHANGE_INVOKE) as ChangePath[]) {
        const n = `ac-${holder}-${++i}`;
        const f: Fixture = { v, n, resource: `res-${n}`, account: `res-${n}/root`, group: `grp-${n}` };
        await prepareUnderAccessControl(f, holder);
        const want = CHANGE_EXPECT[path](kind, holder);
        const got = await CHANGE_INVOKE[path](f, actor).then(
          () => 'ok' as const,
          (e: unknown) => outcomeOf(e),
        );
        if (got !== want) mismatches.push(`${path}: expected ${want}, got ${got}`);
      }
      expect(mismatches).toEqual([]);
    },
    120_000,
  );

  /** A resource under access control (auto-approved), shared to the actor (manage) and the holder (view). */
  async function prepareUnderAccessControl(f: Fixture, holder: Holder): Promise<void> {
    const h = v.host;
    await v.core.resources.create(h, { name: f.resource, type: 'linux', dnsName: 'h.example' });
    await v.core.accounts.add(h, f.resource, 'root', pw(GOOD));
    for (const [user, priv] of [
      ['actor', 'manage'],
      ['holder', 'view'],
    ] as const)
      await v.core.sharing.grant(
        h,
        { kind: 'resource', name: f.resource },
        { kind: 'user', name: user },
        priv,
      );
    await v.core.access.configure(h, f.resource, { approvers: ['admin'], autoApprove: 'always' });
    if (holder === 'nobody') return;
    const who =
      holder === 'own'
        ? actor
        : actorFor((await contextOf(v.core).store.read((r) => r.users.byName('holder')))!, 'test');
    await v.core.access.request(who, f.account, 'matrix');
    await v.core.access.checkout(who, f.account);
  }
});
