import { apiKeyActor, type Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { apiKeyHash, looksLikeApiKey, newApiKey } from '../crypto/api-key-token.ts';
import type { Secret } from '../crypto/secret.ts';
import { AuthError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ApiKeyRow } from '../storage/repos/index.ts';
import { cidrContains, parseCidr } from './cidr.ts';

export interface ApiKeyInput {
  name: string;
  /** The user the key acts as. */
  user: string;
  /** Days until the key stops working; none: it works until revoked. */
  expiresDays?: number;
  /** Source addresses the key is accepted from; none: any. */
  allowCidrs?: readonly string[];
}

export type ApiKeyState = 'active' | 'expired' | 'revoked';

/** An API key as `apikey list` shows it: never the key, never its hash. */
export interface ApiKeyView {
  name: string;
  user: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  allowCidrs: string[];
  revokedAt: string | null;
  revokedBy: string | null;
  state: ApiKeyState;
}

/** Why a presented key was refused: the audit row says which, the client only hears 401. */
export type ApiKeyRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'address' | 'user-inactive';

const MAX_EXPIRES_DAYS = 3650;
const MAX_CIDRS = 32;
/**
 * `last used` is a day-to-day answer ("is this key still in use?"), not an audit trail (each
 * retrieval has its own audit row): writing it at most once a minute keeps a busy application
 * from turning every read into a second write.
 */
const LAST_USED_RESOLUTION_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * API keys: an application's credential for the REST API. A key acts as its user — that user's
 * role and shares at the time of each request, never more — so managing keys is for
 * administrators only (the guide gives applications' credentials to no other role, and a key
 * minted by someone else for themselves would outlive a password change or a TOTP reset). A key
 * never manages keys: a stolen key cannot make itself a successor.
 */
export class ApiKeysService {
  constructor(private readonly ctx: CoreContext) {}

  async create(actor: Actor, input: ApiKeyInput): Promise<{ view: ApiKeyView; key: Secret }> {
    const name = checkKeyName(input.name);
    return this.ctx.run(actor, 'apikey.create', { kind: 'api-key', name }, async (s) => {
      this.ctx.authz.require(actor, 'apikey.create');
      refuseKeyActor(actor);
      const user = await s.repos.users.byName(input.user);
      if (!user) throw new NotFoundError('user', input.user);
      if (user.status !== 'active') throw new ValidationError(`user '${user.username}' is inactive`);
      if (await s.repos.apiKeys.byName(name)) throw new ConflictError(`API key '${name}' already exists`);
      const cidrs = checkCidrs(input.allowCidrs ?? []);
      const now = this.ctx.clock.now();
      const expiresAt =
        input.expiresDays === undefined
          ? null
          : new Date(now.getTime() + checkDays(input.expiresDays) * DAY_MS).toISOString();
      const key = newApiKey();
      const row: ApiKeyRow = {
        id: this.ctx.ids.next(),
        name,
        userId: user.id,
        keyHash: apiKeyHash(key),
        allowCidrs: cidrs,
        createdAt: now.toISOString(),
        createdBy: actor.name,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
        revokedBy: null,
      };
      await s.repos.apiKeys.insert(row);
      await s.audit(
        'apikey.create',
        { kind: 'api-key', name },
        { user: user.username, expiresAt, allowCidrs: cidrs },
      );
      return { view: this.viewOf(row, user.username), key };
    });
  }

  async list(actor: Actor): Promise<ApiKeyView[]> {
    return this.ctx.run(actor, 'apikey.list', { kind: 'api-key', name: '*' }, async (s) => {
      this.ctx.authz.require(actor, 'apikey.list');
      refuseKeyActor(actor);
      const names = new Map((await s.repos.users.list()).map((u) => [u.id, u.username]));
      return (await s.repos.apiKeys.list()).map((k) => this.viewOf(k, names.get(k.userId) ?? '?'));
    });
  }

  async revoke(actor: Actor, name: string): Promise<ApiKeyView> {
    return this.ctx.run(actor, 'apikey.revoke', { kind: 'api-key', name }, async (s) => {
      this.ctx.authz.require(actor, 'apikey.revoke');
      refuseKeyActor(actor);
      const row = await s.repos.apiKeys.byName(name);
      if (!row) throw new NotFoundError('API key', name);
      if (row.revokedAt) throw new ConflictError(`API key '${name}' is already revoked`);
      const at = this.ctx.now();
      await s.repos.apiKeys.revoke(row.id, at, actor.name);
      const user = await s.repos.users.byId(row.userId);
      await s.audit('apikey.revoke', { kind: 'api-key', name }, { user: user?.username ?? '?' });
      return this.viewOf({ ...row, revokedAt: at, revokedBy: actor.name }, user?.username ?? '?');
    });
  }

  /**
   * The actor for a presented key, from `address` (the client's, as the socket reports it). Every
   * refusal is the same AuthError for the client and an `apikey.refused` row with the reason for
   * the administrator; the key itself is never written anywhere.
   */
  async authenticate(key: Secret, address: string): Promise<Actor> {
    const refuse = async (reason: ApiKeyRefusal, row?: ApiKeyRow, user?: string): Promise<never> => {
      await this.ctx.auditAs(
        { name: user ?? 'api', source: address },
        'apikey.refused',
        { kind: 'api-key', name: row?.name ?? '-' },
        'denied',
        { reason, via: 'api' },
      );
      throw new AuthError('invalid API key');
    };
    if (!looksLikeApiKey(key)) return refuse('malformed');
    const row = await this.ctx.store.read((r) => r.apiKeys.byHash(apiKeyHash(key)));
    if (!row) return refuse('unknown');
    const user = await this.ctx.store.read((r) => r.users.byId(row.userId));
    const now = this.ctx.clock.now();
    if (row.revokedAt) return refuse('revoked', row, user?.username);
    if (row.expiresAt && Date.parse(row.expiresAt) <= now.getTime())
      return refuse('expired', row, user?.username);
    if (row.allowCidrs.length > 0 && !row.allowCidrs.some((c) => cidrContains(parseCidr(c), address)))
      return refuse('address', row, user?.username);
    if (!user || user.status !== 'active') return refuse('user-inactive', row, user?.username);
    if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS)
      await this.ctx.store.tx((r) => r.apiKeys.touch(row.id, now.toISOString()));
    return apiKeyActor(user, row.name, address);
  }

  private viewOf(k: ApiKeyRow, user: string): ApiKeyView {
    const expired = k.expiresAt !== null && Date.parse(k.expiresAt) <= this.ctx.clock.now().getTime();
    return {
      name: k.name,
      user,
      createdAt: k.createdAt,
      createdBy: k.createdBy,
      expiresAt: k.expiresAt,
      lastUsedAt: k.lastUsedAt,
      allowCidrs: k.allowCidrs,
      revokedAt: k.revokedAt,
      revokedBy: k.revokedBy,
      state: k.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
    };
  }
}

function refuseKeyActor(actor: Actor): void {
  if (actor.apiKey !== undefined) throw new ForbiddenError('an API key may not manage API keys');
}

/** Key names go into URLs, audit rows and scripts: letters, digits, '.', '_' and '-'. */
function checkKeyName(raw: string): string {
  const v = raw.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v))
    throw new ValidationError(
      "an API key name is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit",
      { field: 'name' },
    );
  return v;
}

function checkDays(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXPIRES_DAYS)
    throw new ValidationError(`expiry is a whole number of days from 1 to ${MAX_EXPIRES_DAYS}`, {
      field: 'expires-days',
    });
  return n;
}

function checkCidrs(raw: readonly string[]): string[] {
  if (raw.length > MAX_CIDRS)
    throw new ValidationError(`at most ${MAX_CIDRS} address ranges per key`, { field: 'allow-cidr' });
  return [...new Set(raw.map((c) => parseCidr(c).text))];
}
