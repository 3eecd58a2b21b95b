import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, User } from '../../core/index.ts';

/** One signed-in browser. Kept in memory: a restart signs every browser out. */
export interface WebSession {
  id: string;
  user: User;
  csrfToken: string;
  expiresAt: number;
}

/** How long a password-passed, code-pending sign-in waits for its TOTP code. */
const PENDING_MS = 5 * 60_000;

/**
 * Browser sessions and half-finished (password passed, TOTP pending) sign-ins, each found by the
 * SHA-256 of its cookie value, so the map never holds a token a heap dump could replay. The CSRF
 * token belongs to one session: a token from another session, or from one that ended, is refused.
 */
export class WebSessions {
  readonly #sessions = new Map<string, WebSession>();
  readonly #pending = new Map<string, { user: User; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly sessionMs: number,
  ) {}

  /** Starts a session for a fully signed-in user; returns the cookie value. */
  start(user: User): { token: string; session: WebSession } {
    this.#sweep();
    const token = newToken();
    const session: WebSession = {
      id: newToken().slice(0, 16),
      user,
      csrfToken: newToken(),
      expiresAt: this.clock.now().getTime() + this.sessionMs,
    };
    this.#sessions.set(hash(token), session);
    return { token, session };
  }

  /** The live session behind a cookie value; an expired one is dropped. */
  find(token: string | undefined): WebSession | undefined {
    if (!token) return undefined;
    const key = hash(token);
    const s = this.#sessions.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= this.clock.now().getTime()) {
      this.#sessions.delete(key);
      return undefined;
    }
    return s;
  }

  end(token: string | undefined): void {
    if (token) this.#sessions.delete(hash(token));
  }

  /** Ends every session of a user (e.g. after they are disabled). */
  endAllOf(username: string): void {
    for (const [k, s] of this.#sessions) if (s.user.username === username) this.#sessions.delete(k);
  }

  startPending(user: User): string {
    this.#sweep();
    const token = newToken();
    this.#pending.set(hash(token), { user, expiresAt: this.clock.now().getTime() + PENDING_MS });
    return token;
  }

  /** The user waiting for a code, consumed: one code attempt per password. */
  takePending(token: string | undefined): User | undefined {
    if (!token) return undefined;
    const key = hash(token);
    const p = this.#pending.get(key);
    this.#pending.delete(key);
    return p && p.expiresAt > this.clock.now().getTime() ? p.user : undefined;
  }

  static csrfMatches(session: WebSession, offered: string | undefined): boolean {
    if (!offered) return false;
    const a = Buffer.from(session.csrfToken);
    const b = Buffer.from(offered);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #sweep(): void {
    const now = this.clock.now().getTime();
    for (const [k, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(k);
    for (const [k, p] of this.#pending) if (p.expiresAt <= now) this.#pending.delete(k);
  }
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
