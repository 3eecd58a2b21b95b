import * as OTPAuth from 'otpauth';
import type { Actor } from '../authz/actor.ts';
import { assertNotWiderThanActor } from '../authz/user-scope.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import { Secret } from '../crypto/secret.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { User } from '../model.ts';
import { parsePublicKey } from './ssh-public-key.ts';

export interface PublicKeyView {
  algorithm: string;
  fingerprint: string;
  comment: string;
  createdAt: string;
}

/** RFC 6238 parameters Google Authenticator and every common app accept. */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

export function totpFor(username: string, secret: Secret): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: 'Custody',
    label: username,
    ...TOTP_PARAMS,
    secret: OTPAuth.Secret.fromBase32(secret.reveal()),
  });
}

/**
 * A user's login credentials besides the password: SSH public keys and a TOTP seed. Users manage
 * their own; administrators manage anyone's.
 */
export class CredentialsService {
  constructor(private readonly ctx: CoreContext) {}

  private async target(s: OpScope, actor: Actor, username: string): Promise<User> {
    const self = actor.kind === 'user' && actor.user.username === username;
    this.ctx.authz.require(actor, self ? 'credentials.own' : 'credentials.others');
    const u = await s.repos.users.byName(username);
    if (!u) throw new NotFoundError('user', username);
    if (!self) assertNotWiderThanActor(actor, u);
    return u;
  }

  async addPublicKey(actor: Actor, username: string, line: string): Promise<PublicKeyView> {
    return this.ctx.run(actor, 'credentials.own', { kind: 'user', name: username }, async (s) => {
      const u = await this.target(s, actor, username);
      const key = parsePublicKey(line);
      if ((await s.repos.sshKeys.of(u.id)).some((k) => k.fingerprint === key.fingerprint)) {
        throw new ConflictError(`key ${key.fingerprint} is already registered for ${username}`);
      }
      const createdAt = this.ctx.now();
      await s.repos.sshKeys.insert({
        id: this.ctx.ids.next(),
        userId: u.id,
        algorithm: key.algorithm,
        publicKey: key.line,
        fingerprint: key.fingerprint,
        comment: key.comment,
        createdAt,
      });
      await s.audit(
        'credential.key-add',
        { kind: 'user', name: username },
        { fingerprint: key.fingerprint, algorithm: key.algorithm },
      );
      return { algorithm: key.algorithm, fingerprint: key.fingerprint, comment: key.comment, createdAt };
    });
  }

  async listPublicKeys(actor: Actor, username: string): Promise<PublicKeyView[]> {
    return this.ctx.run(actor, 'credentials.own', { kind: 'user', name: username }, async (s) => {
      const u = await this.target(s, actor, username);
      return (await s.repos.sshKeys.of(u.id)).map(({ algorithm, fingerprint, comment, createdAt }) => ({
        algorithm,
        fingerprint,
        comment,
        createdAt,
      }));
    });
  }

  async removePublicKey(actor: Actor, username: string, fingerprint: string): Promise<void> {
    await this.ctx.run(actor, 'credentials.own', { kind: 'user', name: username }, async (s) => {
      const u = await this.target(s, actor, username);
      if ((await s.repos.sshKeys.remove(u.id, fingerprint)) === 0)
        throw new NotFoundError('key', fingerprint);
      await s.audit('credential.key-remove', { kind: 'user', name: username }, { fingerprint });
    });
  }

  /**
   * Generates a fresh TOTP seed (160 bits, RFC 4226 §4 recommends at least 128) and returns it
   * once, with the otpauth:// URI for an authenticator app. Re-enabling replaces the seed.
   */
  async enableTotp(actor: Actor, username: string): Promise<{ secret: Secret; uri: string }> {
    return this.ctx.run(actor, 'credentials.own', { kind: 'user', name: username }, async (s) => {
      const u = await this.target(s, actor, username);
      const secret = Secret.fromString(new OTPAuth.Secret({ size: 20 }).base32);
      await s.repos.totp.setSecret(u.id, this.ctx.keyring.seal(secret, aad.totp(u.id)), true);
      await s.repos.totp.setLastStep(u.id, -1);
      await s.audit('credential.totp-enable', { kind: 'user', name: username });
      return { secret, uri: totpFor(username, secret).toString() };
    });
  }

  async disableTotp(actor: Actor, username: string): Promise<void> {
    await this.ctx.run(actor, 'credentials.own', { kind: 'user', name: username }, async (s) => {
      const u = await this.target(s, actor, username);
      await s.repos.totp.setSecret(u.id, null, false);
      await s.audit('credential.totp-disable', { kind: 'user', name: username });
    });
  }
}
