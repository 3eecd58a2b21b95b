import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { verifyLoginPassword } from '../crypto/password-hash.ts';
import type { Secret } from '../crypto/secret.ts';
import { AuthError, PolicyError } from '../errors.ts';
import { policyByName } from '../policy/policies-service.ts';
import { requiredLetters, requiredSpecials, type PasswordPolicy } from '../policy/policy.ts';
import type { LoginService } from './login-service.ts';
import type { UsersService } from './users-service.ts';

/** The rules a user's new login password must meet, combined from every policy that applies. */
export interface PasswordRules {
  policies: string[];
  minLength: number;
  maxLength: number;
  mixedCase: boolean;
  minDigits: number;
  minSpecial: number;
  startWithAlpha: boolean;
  allowLoginName: boolean;
  historyCount: number;
  maxAgeDays: number;
  /** An external password-quality check also applies (its rules are its own). */
  qualityExit: boolean;
}

/**
 * Combines policies: the strictest value of each rule wins. When the combination cannot be met
 * by any password (one policy's maximum length below another's minimum, for instance), it is
 * an E_POLICY error naming the policies and the clash.
 */
export function combinePolicies(policies: readonly PasswordPolicy[]): Omit<PasswordRules, 'qualityExit'> {
  if (policies.length === 0) throw new PolicyError('no password policy applies');
  const ages = policies.map((p) => p.maxAgeDays).filter((d) => d > 0);
  const r = {
    policies: policies.map((p) => p.name),
    minLength: Math.max(...policies.map((p) => p.minLength)),
    maxLength: Math.min(...policies.map((p) => p.maxLength)),
    mixedCase: policies.some((p) => p.mixedCase),
    minDigits: Math.max(...policies.map((p) => p.minDigits)),
    minSpecial: Math.max(...policies.map(requiredSpecials)),
    startWithAlpha: policies.some((p) => p.startWithAlpha),
    allowLoginName: policies.every((p) => p.allowLoginName),
    historyCount: Math.max(...policies.map((p) => p.historyCount)),
    maxAgeDays: ages.length ? Math.min(...ages) : 0,
  };
  const names = r.policies.map((n) => `'${n}'`).join(' and ');
  const longest = policies.find((p) => p.maxLength === r.maxLength)!;
  if (r.minLength > r.maxLength) {
    const shortest = policies.find((p) => p.minLength === r.minLength)!;
    throw new PolicyError(
      `password policies ${names} contradict each other: '${shortest.name}' needs at least ${r.minLength} characters but '${longest.name}' allows at most ${r.maxLength}`,
      { policies: r.policies },
    );
  }
  const letters = Math.max(...policies.map(requiredLetters));
  const needed = letters + r.minDigits + r.minSpecial;
  if (needed > r.maxLength) {
    throw new PolicyError(
      `password policies ${names} contradict each other: together they require ${needed} letters, digits and specials but '${longest.name}' allows at most ${r.maxLength} characters`,
      { policies: r.policies },
    );
  }
  return r;
}

/**
 * Self-service login password change: a user changes their own login password, proving the old
 * one, under the combined policies that apply to them.
 */
export class SelfPasswordService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly users: UsersService,
    private readonly logins: LoginService,
  ) {}

  /**
   * The combined rules for the actor's own login password. Today one policy applies to login
   * passwords (`security.login_password_policy`); the combination is the seam for more.
   */
  async passwordRules(actor: Actor): Promise<PasswordRules> {
    this.ctx.authz.require(actor, 'user.password-rules');
    const policy = await this.ctx.store.read((r) =>
      policyByName(r, this.ctx.config.security.login_password_policy),
    );
    return { ...combinePolicies([policy]), qualityExit: !!this.ctx.deps.qualityExit };
  }

  /**
   * Changes the actor's own login password. The old password must be right: a wrong one counts
   * toward lockout like a failed login. An inactive or locked-out account is refused. The new
   * password must meet the login policy and the password-quality exit, and differ from the old.
   */
  async changeOwnPassword(actor: Actor, oldPassword: Secret, newPassword: Secret): Promise<void> {
    this.ctx.authz.require(actor, 'user.change-own-password');
    const username = actor.user.username;
    const target = { kind: 'user', name: username };
    await this.logins.assertNotLocked(username, actor.source);
    const user = await this.ctx.store.read((r) => r.users.byId(actor.user.id));
    if (!user || user.status !== 'active') {
      await this.ctx.auditDenied(
        actor,
        'user.change-own-password',
        target,
        new AuthError('account is not active'),
      );
      throw new AuthError('account is not active: ask an administrator');
    }
    if (!user.passwordHash || !(await verifyLoginPassword(user.passwordHash, oldPassword))) {
      return this.logins.fail(
        username,
        actor.source,
        'self-service',
        new AuthError('the old password is wrong'),
      );
    }
    if (oldPassword.equals(newPassword))
      throw new PolicyError('the new password must differ from the old one');
    await this.ctx.run(actor, 'user.change-own-password', target, async (s) => {
      const hash = await this.users.hashChecked(s.repos, actor, username, newPassword, s);
      const now = this.ctx.now();
      await s.repos.users.update(user.id, { passwordHash: hash, passwordChangedAt: now, updatedAt: now });
      await s.audit('user.password-self-change', target);
    });
  }
}
