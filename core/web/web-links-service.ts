import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { AuthError, ValidationError } from '../errors.ts';
import { storedLoginName } from '../identity/names.ts';
import type { User } from '../model.ts';
import { checkDesktopLanding, desktopRefOf } from './desktop-launch.ts';

/** How long a one-time link signs someone in (CLI contract: 60 s, one use). */
export const WEB_LINK_TTL_MS = 60_000;

/**
 * A landing path: local (`/x…`, never `//host` or `/\host`, which a browser would take as another
 * site) and printable ASCII only, so it can go into a Location header without injecting another.
 */
export function isLandingPath(p: string): boolean {
  return p.length <= 500 && /^\/(?![/\\])[\x21-\x7e]*$/.test(p) && !p.includes('\\');
}

/** The URL a person opens: the listener's address (`https://HOST:PORT`) and the token. */
export function webLinkUrl(webAddress: string, token: string): string {
  return `${webAddress}/link/${token}`;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * One-time sign-in links for the web listener. The CLI makes one (in its own process) and the
 * server redeems it, so the state is in the database; only the token's hash is stored, and
 * redeeming marks the row used in the same transaction that checks it, so two browsers racing on
 * one link get one session between them.
 */
export class WebLinksService {
  constructor(private readonly ctx: CoreContext) {}

  /** A link that signs `actor`'s own user in and lands on `landingPath`; the token is returned once. */
  async create(
    actor: Actor,
    landingPath: string,
  ): Promise<{ token: string; landingPath: string; expiresAt: string; username: string }> {
    const username = actor.user.username;
    return this.ctx.run(actor, 'web.link', { kind: 'user', name: username }, async (s) => {
      this.ctx.authz.require(actor, 'web.link');
      if (!isLandingPath(landingPath))
        throw new ValidationError('the landing path must be a local path such as /recordings/ID', {
          field: 'path',
        });
      // A link to the RDP viewer is made only for an account its user may open a desktop on now.
      const desktop = desktopRefOf(landingPath);
      if (desktop) await checkDesktopLanding(this.ctx, s, actor, desktop);
      const token = randomBytes(32).toString('base64url');
      const now = this.ctx.clock.now();
      const expiresAt = new Date(now.getTime() + WEB_LINK_TTL_MS).toISOString();
      await s.repos.webLinks.deleteExpired(now.toISOString());
      await s.repos.webLinks.insert({
        tokenHash: hashOf(token),
        username,
        landingPath,
        createdBy: actor.name,
        createdAt: now.toISOString(),
        expiresAt,
      });
      await s.audit('web.link-create', { kind: 'user', name: username }, { path: landingPath, expiresAt });
      return { token, landingPath, expiresAt, username };
    });
  }

  /**
   * The user a link signs in and where it lands, marking it used; an unknown, used or expired link
   * (or one whose user is no longer active) is an AuthError, audited as a refused `web.link-use`.
   */
  async redeem(token: string, source: string): Promise<{ user: User; landingPath: string }> {
    const now = this.ctx.now();
    const outcome = await this.ctx.store.tx(async (repos) => {
      const row = /^[A-Za-z0-9_-]{20,100}$/.test(token)
        ? await repos.webLinks.byHash(hashOf(token))
        : undefined;
      const user = row ? await repos.users.byName(row.username) : undefined;
      const reason = !row
        ? 'unknown'
        : row.usedAt
          ? 'used'
          : row.expiresAt <= now
            ? 'expired'
            : !user || user.status !== 'active'
              ? 'inactive'
              : (await repos.webLinks.markUsed(row.tokenHash, now))
                ? undefined
                : 'used';
      await this.ctx.auditLog.append(repos, {
        type: 'web.link-use',
        actor: row ? storedLoginName(row.username, 100) : 'unknown',
        source,
        target: { kind: 'user', name: row ? storedLoginName(row.username, 100) : 'unknown' },
        result: reason ? 'failure' : 'success',
        details: reason ? { reason } : { path: row!.landingPath },
      });
      return reason ? { reason } : { user: user!, landingPath: row!.landingPath };
    });
    if ('reason' in outcome)
      throw new AuthError('this sign-in link is unknown, already used or expired', outcome);
    return outcome;
  }

  /** A browser session ended by its user. */
  async signedOut(actor: Actor): Promise<void> {
    await this.ctx.store.tx((repos) =>
      this.ctx.auditLog.append(repos, {
        type: 'web.signout',
        actor: actor.name,
        source: actor.source,
        target: { kind: 'user', name: actor.user.username },
        result: 'success',
      }),
    );
  }
}
