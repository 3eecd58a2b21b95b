import { randomBytes } from 'node:crypto';
import { aad } from '../crypto/aad.ts';
import { hashLoginPassword, verifyLoginPassword } from '../crypto/password-hash.ts';
import { Secret } from '../crypto/secret.ts';
import type { CoreContext } from '../context.ts';
import type { Actor } from '../authz/actor.ts';
import { assertNotWiderThanActor } from '../authz/user-scope.ts';
import { AuthError, LockedError, NotFoundError } from '../errors.ts';
import type { User } from '../model.ts';
import type { Repos } from '../storage/repos/index.ts';
import { storedLoginName } from './names.ts';
import { defaultHashConcurrency, HashQueue } from './hash-queue.ts';
import { parsePublicKey } from './ssh-public-key.ts';
import { TOTP_PARAMS, totpFor } from './credentials-service.ts';

export interface LoginStep {
  user: User;
  /** The first factor passed; a TOTP code is still needed. */
  needsTotp: boolean;
}

const GENERIC = 'invalid user name or password';

/** Checks a password against an encoded hash; injectable so tests can count the calls. */
export type PasswordVerifier = (hash: string, password: Secret) => Promise<boolean>;

/**
 * Gateway logins: password, public key, then TOTP where enabled. Failures count per user name
 * and per source address: at `lockout_attempts` in a row for a name, or `lockout_source_attempts`
 * within `lockout_minutes` from an address, either is locked for `lockout_minutes` (audited). A
 * success clears its name's count but not its address's (else an attacker who knows one password
 * could reset the address's count between guesses at other names). Counting by the name as
 * typed, known or not, means a lockout says nothing about which accounts exist.
 */
export class LoginService {
  /**
   * Where login passwords are checked: bounded and fair per source. Replaceable so a
   * test can count the hashes computed.
   */
  hashes: HashQueue;
  #dummyHash?: Promise<string>;

  constructor(
    private readonly ctx: CoreContext,
    verify: PasswordVerifier = verifyLoginPassword,
  ) {
    const g = ctx.config.gateway;
    this.hashes = new HashQueue(
      {
        concurrency: g.hash_concurrency || defaultHashConcurrency(),
        maxQueued: g.hash_queue_max,
        maxQueuedPerSource: g.hash_queue_per_source,
      },
      verify,
    );
  }

  /**
   * A hash of a random password with the configured parameters, made once per process. Unknown,
   * password-less and inactive users are checked against it, so every password login costs one
   * Argon2id verification and the answer time says nothing about which names exist.
   */
  private dummyHash(): Promise<string> {
    this.#dummyHash ??= hashLoginPassword(
      Secret.fromString(randomBytes(24).toString('base64')),
      this.ctx.kdf,
    );
    return this.#dummyHash;
  }

  private get limits() {
    const c = this.ctx.config.security;
    return { user: c.lockout_attempts, source: c.lockout_source_attempts, minutes: c.lockout_minutes };
  }

  private async checkNotLocked(repos: Repos, username: string, source: string): Promise<void> {
    const now = this.ctx.clock.now().toISOString();
    for (const [kind, subject] of [
      ['user', storedLoginName(username)],
      ['source', storedLoginName(source)],
    ] as const) {
      const f = await repos.loginFailures.get(kind, subject);
      if (f?.lockedUntil && f.lockedUntil > now)
        throw new LockedError(
          `too many failed logins from this ${kind === 'user' ? 'user' : 'address'}: try again later`,
        );
    }
  }

  /**
   * Throws E_LOCKED while the user name or the source address is locked out, after an audit row
   * for the refused attempt: an attempt while locked (the right password included) is on record.
   */
  private async refuseIfLocked(username: string, source: string, method: string): Promise<void> {
    try {
      await this.assertNotLocked(username, source);
    } catch (e) {
      if (!(e instanceof LockedError)) throw e;
      await this.auditRefused(username, source, method);
      throw e;
    }
  }

  private async auditRefused(username: string, source: string, method: string): Promise<void> {
    await this.ctx.appendStandalone({
      type: 'user.login',
      actor: username.slice(0, 100),
      source,
      target: { kind: 'user', name: username.slice(0, 100) },
      result: 'failure',
      details: { method, refused: 'locked' },
    });
  }

  /** The start of the per-address window, as stored text. */
  private windowStart(now: Date): string {
    return new Date(now.getTime() - this.limits.minutes * 60_000).toISOString();
  }

  /**
   * Claims a password attempt from `source` before its hash is computed: once the
   * address's failures and attempts in flight reach the limit, further attempts are refused as
   * locked without hashing, so parallel wrong passwords cannot all be checked first.
   */
  private async claimAttempt(username: string, source: string, method: string): Promise<string> {
    const now = this.ctx.clock.now();
    const id = await this.ctx.store.tx((r) =>
      r.loginAttempts.claim(
        storedLoginName(source),
        now.toISOString(),
        this.windowStart(now),
        this.limits.source,
      ),
    );
    if (id) return id;
    await this.auditRefused(username, source, method);
    throw new LockedError('too many failed logins from this address: try again later');
  }

  /** Throws E_LOCKED while the user name or the source address is locked out. */
  async assertNotLocked(username: string, source: string): Promise<void> {
    await this.ctx.store.read((r) => this.checkNotLocked(r, username, source));
  }

  /**
   * Lifts a user name's lockout and forgets its failed attempts (administrators; audited, also
   * when there was no lock). The per-address lock is left alone: it protects every user.
   */
  async unlock(actor: Actor, username: string): Promise<{ user: string; wasLockedUntil: string | null }> {
    const target = { kind: 'user', name: username };
    return this.ctx.run(actor, 'user.unlock', target, async (s) => {
      this.ctx.authz.require(actor, 'user.unlock');
      const user = await s.repos.users.byName(username);
      if (!user) throw new NotFoundError('user', username);
      assertNotWiderThanActor(actor, user);
      const f = await s.repos.loginFailures.get('user', username);
      const wasLockedUntil = f?.lockedUntil && f.lockedUntil > this.ctx.now() ? f.lockedUntil : null;
      await s.repos.loginFailures.clear('user', username);
      await s.audit('user.unlock', target, { wasLockedUntil });
      return { user: username, wasLockedUntil };
    });
  }

  /**
   * Records a failure (and a lockout when the limit is reached); always throws. `claim` is the
   * attempt claimed before hashing, if any: it becomes the address's failure row.
   */
  async fail(
    username: string,
    source: string,
    method: string,
    error: Error = new AuthError(GENERIC),
    claim?: string,
  ): Promise<never> {
    const now = this.ctx.clock.now();
    const at = now.toISOString();
    const name = storedLoginName(username);
    await this.ctx.store.tx(async (repos) => {
      const address = storedLoginName(source);
      await repos.loginAttempts.settle(address, at, claim);
      for (const [kind, subject] of [
        ['user', name],
        ['source', address],
      ] as const) {
        const f = (await repos.loginFailures.get(kind, subject)) ?? { failures: 0, lockedUntil: null };
        // A name counts failures in a row; an address counts its failures in the window.
        const failures =
          kind === 'user'
            ? f.failures + 1
            : await repos.loginAttempts.failures(subject, this.windowStart(now));
        const locked = !!f.lockedUntil && f.lockedUntil > at;
        const lock =
          failures >= this.limits[kind] && !locked
            ? new Date(now.getTime() + this.limits.minutes * 60_000).toISOString()
            : null;
        await repos.loginFailures.set(
          kind,
          subject,
          lock && kind === 'user' ? 0 : failures,
          lock ?? f.lockedUntil,
          at,
        );
        if (lock) {
          await this.ctx.auditLog.append(repos, {
            type: 'user.lockout',
            actor: storedLoginName(username, 100),
            source,
            target: { kind, name: storedLoginName(subject, 200) },
            result: 'failure',
            details: { until: lock, attempts: failures },
          });
        }
      }
      await this.ctx.auditLog.append(repos, {
        type: 'user.login',
        actor: storedLoginName(username, 100),
        source,
        target: { kind: 'user', name: storedLoginName(username, 100) },
        result: 'failure',
        details: { method },
      });
    });
    throw error;
  }

  /** A success clears the name's failures; the address's stay (see the class comment). */
  private async succeed(
    user: User,
    source: string,
    method: string,
    needsTotp: boolean,
    claim?: string,
  ): Promise<LoginStep> {
    await this.ctx.store.tx(async (repos) => {
      if (claim) await repos.loginAttempts.release(claim);
      if (!needsTotp) await repos.loginFailures.clear('user', storedLoginName(user.username));
      await this.ctx.auditLog.append(repos, {
        type: 'user.login',
        actor: user.username,
        source,
        target: { kind: 'user', name: user.username },
        result: 'success',
        details: { method, ...(needsTotp ? { pending: 'totp' } : {}) },
      });
    });
    return { user, needsTotp };
  }

  /**
   * `signal` fires when the client has gone: a password still waiting for its hash is then never
   * checked. A full hashing queue throws E_LIMIT ("try again"), which is not counted as a failure.
   */
  async password(
    username: string,
    password: Secret,
    source: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<LoginStep> {
    await this.refuseIfLocked(username, source, 'password');
    const claim = await this.claimAttempt(username, source, 'password');
    let matches: boolean;
    let user: User | undefined;
    try {
      user = await this.ctx.store.read((r) => r.users.byName(username));
      matches = await this.hashes.verify(
        user?.passwordHash ?? (await this.dummyHash()),
        password,
        source,
        opts.signal,
      );
    } catch (e) {
      // Not checked (queue full, client gone): not a failure either.
      await this.ctx.store.tx((r) => r.loginAttempts.release(claim));
      throw e;
    }
    const ok = matches && !!user?.passwordHash && user.status === 'active';
    if (!ok || !user) return this.fail(username, source, 'password', undefined, claim);
    return this.succeed(user, source, 'password', user.totpEnabled, claim);
  }

  /**
   * The registered key line for `username` matching this algorithm and blob, if any. The gateway
   * verifies the client's signature with it before calling `publicKeyAccepted`.
   */
  async publicKeyFor(
    username: string,
    algorithm: string,
    blob: Buffer,
    source: string,
  ): Promise<string | undefined> {
    return this.ctx.store.read(async (r) => {
      await this.checkNotLocked(r, username, source);
      const user = await r.users.byName(username);
      if (!user || user.status !== 'active') return undefined;
      const keys = await r.sshKeys.of(user.id);
      return keys.find((k) => k.algorithm === algorithm && parsePublicKey(k.publicKey).blob.equals(blob))
        ?.publicKey;
    });
  }

  async publicKeyAccepted(username: string, source: string): Promise<LoginStep> {
    const user = await this.ctx.store.read((r) => r.users.byName(username));
    if (!user || user.status !== 'active') return this.fail(username, source, 'publickey');
    return this.succeed(user, source, 'publickey', user.totpEnabled);
  }

  /**
   * RFC 6238 with ±1 step for clock skew; each step's code is accepted once (no replay). A refusal
   * is an AuthError whose `details.reason` is 'wrong' or 'reused'.
   */
  async totp(username: string, code: string, source: string): Promise<User> {
    await this.refuseIfLocked(username, source, 'totp');
    const found = await this.ctx.store.read(async (r) => {
      const user = await r.users.byName(username);
      const sealed = user ? await r.totp.secretOf(user.id) : null;
      return user && sealed ? { user, sealed, last: await r.totp.lastStep(user.id) } : undefined;
    });
    // The reason (details.reason 'wrong' or 'reused') lets the door say why; this step comes
    // after the first factor, so it tells nothing about which names exist.
    const wrong = () => this.fail(username, source, 'totp', new AuthError(GENERIC, { reason: 'wrong' }));
    const reused = () => this.fail(username, source, 'totp', new AuthError(GENERIC, { reason: 'reused' }));
    if (!found || !/^\d{6}$/.test(code.trim())) return wrong();
    const secret = this.ctx.keyring.open(found.sealed, aad.totp(found.user.id));
    const now = this.ctx.clock.now().getTime();
    const delta = totpFor(username, secret).validate({ token: code.trim(), timestamp: now, window: 1 });
    const step = Math.floor(now / 1000 / TOTP_PARAMS.period) + (delta ?? 0);
    if (delta === null) return wrong();
    if (step <= found.last) return reused();
    // The read above only saves a write for a plain replay; the claim is what makes "once" hold.
    if (!(await this.ctx.store.tx((r) => r.totp.claimStep(found.user.id, step)))) return reused();
    return (await this.succeed(found.user, source, 'totp', false)).user;
  }
}
