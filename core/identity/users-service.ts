import { isSuperAdmin, type Actor } from '../authz/actor.ts';
import { assertNotWiderThanActor } from '../authz/user-scope.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { hashLoginPassword, verifyLoginPassword } from '../crypto/password-hash.ts';
import type { Secret } from '../crypto/secret.ts';
import { AuthError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { ROLES, type Role, type User } from '../model.ts';
import { assertPassword } from '../policy/validate.ts';
import { consultQualityExit } from '../policy/quality-exit.ts';
import { policyByName } from '../policy/policies-service.ts';
import { readSettings } from '../settings/system-settings.ts';
import type { Repos } from '../storage/repos/index.ts';
import { checkEmail, checkOptionalName, checkUsername, storedLoginName } from './names.ts';

export interface NewUser {
  username: string;
  role: Role;
  firstName?: string;
  lastName?: string;
  email?: string;
  department?: string;
  location?: string;
  superAdmin?: boolean;
  /** Without one the user cannot log in until an administrator sets a password. */
  password?: Secret;
}

export type UserView = Omit<User, 'passwordHash'> & {
  hasPassword: boolean;
  /** Set while failed logins keep the user name locked out (`custody user unlock` lifts it). */
  lockedUntil?: string;
};

export function viewOf(u: User, lockedUntil?: string): UserView {
  const { passwordHash, ...rest } = u;
  return { ...rest, hasPassword: !!passwordHash, ...(lockedUntil ? { lockedUntil } : {}) };
}

/** The status as lists show it: `active`, `inactive` or `locked until HH:MM UTC`. */
export function userStatusText(u: Pick<UserView, 'status' | 'lockedUntil'>): string {
  if (!u.lockedUntil) return u.status;
  return `${u.status === 'active' ? '' : `${u.status}, `}locked until ${u.lockedUntil.slice(11, 16)} UTC`;
}

export function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ValidationError(`unknown role '${role.slice(0, 40)}' (roles: ${ROLES.join(', ')})`, {
      field: 'role',
    });
  }
  return role as Role;
}

/** Users (add, edit, delete), roles and the super-administrator scope. */
export class UsersService {
  constructor(private readonly ctx: CoreContext) {}

  async create(actor: Actor, input: NewUser): Promise<UserView> {
    const username = checkUsername(input.username);
    return this.ctx.run(actor, 'user.create', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'user.create');
      const user = await this.buildUser(s.repos, actor, { ...input, username }, s);
      await s.repos.users.insert(user);
      await s.audit(
        'user.create',
        { kind: 'user', name: username },
        { role: user.role, superAdmin: user.superAdmin },
      );
      return viewOf(user);
    });
  }

  /** Shared with CSV import, which runs it inside its own per-line transaction. */
  async buildUser(
    repos: Repos,
    actor: Actor,
    input: NewUser,
    scope?: Pick<OpScope, 'audit' | 'auditIfFails'>,
  ): Promise<User> {
    const role = checkRole(input.role);
    const superAdmin = !!input.superAdmin;
    if (superAdmin) await this.checkCanGrantSuperAdmin(repos, actor, role);
    if (await repos.users.byName(input.username))
      throw new ConflictError(`user '${input.username}' already exists`);
    const now = this.ctx.now();
    return {
      id: this.ctx.ids.next(),
      username: input.username,
      firstName: checkOptionalName('first name', input.firstName, 100),
      lastName: checkOptionalName('last name', input.lastName, 100),
      email: checkEmail(input.email),
      department: checkOptionalName('department', input.department, 100),
      location: checkOptionalName('location', input.location, 100),
      role,
      superAdmin,
      status: 'active',
      passwordHash: input.password
        ? await this.hashChecked(repos, actor, input.username, input.password, scope)
        : null,
      passwordChangedAt: input.password ? now : null,
      totpEnabled: false,
      treeRootName: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The login policy plus the password-quality exit, then Argon2id. Also used by self-service. */
  async hashChecked(
    repos: Repos,
    actor: Actor,
    username: string,
    password: Secret,
    scope?: Pick<OpScope, 'audit' | 'auditIfFails'>,
  ): Promise<string> {
    await consultQualityExit(this.ctx, scope ?? this.directAudit(repos, actor), actor, {
      kind: 'login',
      subject: username,
      password,
    });
    const policy = await policyByName(repos, this.ctx.config.security.login_password_policy);
    assertPassword(policy, password, { loginName: username });
    return hashLoginPassword(password, this.ctx.kdf);
  }

  /** Audit rows written straight into `repos` (for callers without an operation scope, e.g. import). */
  private directAudit(repos: Repos, actor: Actor): Pick<OpScope, 'audit' | 'auditIfFails'> {
    const append = (
      type: Parameters<OpScope['audit']>[0],
      target: { kind: string; name: string },
      details?: Record<string, unknown>,
      result: 'success' | 'failure' = 'success',
    ) =>
      this.ctx.auditLog
        .append(repos, { type, actor: actor.name, source: actor.source, target, result, details })
        .then(() => undefined);
    return {
      audit: append,
      // The import line's transaction is kept for its own error row; note the alert in the log.
      auditIfFails: (type, target, details) =>
        this.ctx.deps.logger.log('warn', type, { actor: actor.name, target, ...details }),
    };
  }

  /**
   * The all-passwords scope: only an administrator grants it, only to administrators and password
   * administrators, and not at all while a super administrator has denied administrators that.
   */
  private async checkCanGrantSuperAdmin(repos: Repos, actor: Actor, targetRole: Role): Promise<void> {
    if (targetRole !== 'admin' && targetRole !== 'password-admin') {
      throw new ValidationError(
        'only administrators and password administrators can have the all-passwords scope',
        { field: 'scope' },
      );
    }
    this.ctx.authz.require(actor, 'user.set-scope');
    const settings = await readSettings(repos);
    if (settings.superAdminCreationDenied && actor.kind !== 'host' && !isSuperAdmin(actor)) {
      throw new ForbiddenError(
        'administrators are denied creating super administrators (setting enforced by a super administrator)',
      );
    }
  }

  async list(actor: Actor): Promise<UserView[]> {
    this.ctx.authz.require(actor, 'user.list');
    const now = this.ctx.now();
    const [users, locked] = await this.ctx.store.read(
      async (r) => [await r.users.list(), await r.loginFailures.lockedUsers(now)] as const,
    );
    return users.map((u) => viewOf(u, locked.get(u.username)));
  }

  async get(actor: Actor, username: string): Promise<UserView> {
    this.ctx.authz.require(actor, 'user.list');
    const u = await this.ctx.store.read((r) => r.users.byName(username));
    if (!u) throw new NotFoundError('user', username);
    return viewOf(u);
  }

  /** The user an administration operation changes; never one with a wider scope than the actor's. */
  private async target(repos: Repos, actor: Actor, username: string): Promise<User> {
    const u = await repos.users.byName(username);
    if (!u) throw new NotFoundError('user', username);
    assertNotWiderThanActor(actor, u);
    return u;
  }

  private notSelf(actor: Actor, target: User, what: string): void {
    if (actor.kind === 'user' && actor.user.id === target.id) {
      throw new ForbiddenError(`nobody changes their own ${what}: another administrator must do it`);
    }
  }

  async setRole(actor: Actor, username: string, role: Role): Promise<UserView> {
    return this.ctx.run(actor, 'user.set-role', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'user.set-role');
      const u = await this.target(s.repos, actor, username);
      this.notSelf(actor, u, 'role');
      const next = checkRole(role);
      // The all-passwords scope only exists for the two administrator roles.
      const superAdmin = next === 'admin' || next === 'password-admin' ? u.superAdmin : false;
      await s.repos.users.update(u.id, { role: next, superAdmin, updatedAt: this.ctx.now() });
      await s.audit('user.role-change', { kind: 'user', name: username }, { from: u.role, to: next });
      return viewOf({ ...u, role: next, superAdmin });
    });
  }

  async setScope(actor: Actor, username: string, superAdmin: boolean): Promise<UserView> {
    return this.ctx.run(actor, 'user.set-scope', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'user.set-scope');
      const u = await this.target(s.repos, actor, username);
      this.notSelf(actor, u, 'access scope');
      if (superAdmin) await this.checkCanGrantSuperAdmin(s.repos, actor, u.role);
      await s.repos.users.update(u.id, { superAdmin, updatedAt: this.ctx.now() });
      await s.audit('user.scope-change', { kind: 'user', name: username }, { superAdmin });
      return viewOf({ ...u, superAdmin });
    });
  }

  async update(
    actor: Actor,
    username: string,
    patch: Partial<Pick<User, 'firstName' | 'lastName' | 'email' | 'department' | 'location' | 'status'>>,
  ): Promise<UserView> {
    return this.ctx.run(actor, 'user.update', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'user.update');
      const u = await this.target(s.repos, actor, username);
      if (patch.status !== undefined) {
        this.notSelf(actor, u, 'status');
        if (patch.status !== 'active' && patch.status !== 'inactive')
          throw new ValidationError(`invalid status '${patch.status}'`, { field: 'status' });
      }
      const clean = {
        ...(patch.firstName !== undefined
          ? { firstName: checkOptionalName('first name', patch.firstName, 100) }
          : {}),
        ...(patch.lastName !== undefined
          ? { lastName: checkOptionalName('last name', patch.lastName, 100) }
          : {}),
        ...(patch.email !== undefined ? { email: checkEmail(patch.email) } : {}),
        ...(patch.department !== undefined
          ? { department: checkOptionalName('department', patch.department, 100) }
          : {}),
        ...(patch.location !== undefined
          ? { location: checkOptionalName('location', patch.location, 100) }
          : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
      };
      await s.repos.users.update(u.id, { ...clean, updatedAt: this.ctx.now() });
      await s.audit('user.update', { kind: 'user', name: username }, { fields: Object.keys(clean) });
      return viewOf({ ...u, ...clean });
    });
  }

  async setPassword(actor: Actor, username: string, password: Secret): Promise<void> {
    await this.ctx.run(actor, 'user.set-password', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'user.set-password');
      const u = await this.target(s.repos, actor, username);
      const hash = await this.hashChecked(s.repos, actor, u.username, password, s);
      await s.repos.users.update(u.id, {
        passwordHash: hash,
        passwordChangedAt: this.ctx.now(),
        updatedAt: this.ctx.now(),
      });
      await s.audit('user.password-set', { kind: 'user', name: username });
    });
  }

  /**
   * Deletion is permanent; not oneself; not while the user owns resources or groups (transfer
   * them first, so nothing is left without an owner); the audit trail keeps the user's rows.
   */
  async remove(actor: Actor, username: string): Promise<void> {
    await this.ctx.run(actor, 'user.delete', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'user.delete');
      const u = await this.target(s.repos, actor, username);
      if (actor.user.id === u.id && actor.kind === 'user')
        throw new ForbiddenError('you cannot delete yourself');
      const owned =
        (await s.repos.resources.countOwnedBy(u.id)) + (await s.repos.resourceGroups.countOwnedBy(u.id));
      if (owned > 0)
        throw new ConflictError(
          `user '${username}' owns ${owned} resources or groups: transfer ownership first`,
        );
      await s.repos.shares.removeForGrantee('user', u.id);
      await s.repos.users.remove(u.id);
      await s.audit('user.delete', { kind: 'user', name: username });
    });
  }

  /**
   * Checks a login password. Every failure gives the same message (unknown user, wrong password,
   * no password set, inactive), so the answer reveals nothing about which accounts exist.
   */
  async authenticate(username: string, password: Secret, source: string): Promise<User> {
    const user = await this.ctx.store.read((r) => r.users.byName(username));
    const ok =
      !!user?.passwordHash &&
      (await verifyLoginPassword(user.passwordHash, password)) &&
      user.status === 'active';
    await this.ctx.appendStandalone({
      type: 'user.login',
      actor: storedLoginName(username, 100),
      source,
      target: { kind: 'user', name: storedLoginName(username, 100) },
      result: ok ? 'success' : 'failure',
    });
    if (!ok || !user) throw new AuthError('invalid user name or password');
    return user;
  }
}
