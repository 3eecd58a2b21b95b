import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import { NotFoundError, TargetError } from '../errors.ts';
import { clipboardPolicyOf, type AuditResult } from '../model.ts';
import { requireCheckout } from '../access/enforce.ts';
import { DEFAULT_PORTS } from '../vault/builtin-types.ts';
import { checkSessionTarget } from '../web/desktop-launch.ts';
import { loadAccount } from '../vault/refs.ts';
import { routeTo } from './landing-service.ts';
import { checkPinnedHostKey } from './host-keys.ts';
import type { Credential, HopCandidate, SessionGrant } from './types.ts';

const SESSION_PROTOCOLS = new Set(['ssh', 'telnet', 'rdp']);

/**
 * Session authorisation for the gateway: the proof object (grant), the credentials for the
 * target and each hop, host-key pinning, and the session's audit trail. Grants are held in
 * memory: they live exactly as long as this process, like the sessions they authorise.
 */
export class SessionsService {
  readonly #grants = new Map<string, SessionGrant>();
  /** Called after `session.end` is recorded (access control: "ending the session checks in"). */
  onSessionEnd: ((grant: SessionGrant) => Promise<void>) | undefined;

  constructor(private readonly ctx: CoreContext) {}

  /**
   * May `actor` open `ref` (RESOURCE/ACCOUNT) now? An unknown account and one the actor may not
   * use get the same NotFoundError, so the answer reveals nothing.
   */
  async authorize(actor: Actor, ref: string): Promise<SessionGrant> {
    return this.ctx.run(actor, 'session.open', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'session.open', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      const checkout = await requireCheckout(s.repos, this.ctx.now(), actor, resource, account, 'session');
      const type = await s.repos.types.byId(resource.typeId);
      if (!type || !SESSION_PROTOCOLS.has(type.protocol)) {
        throw new TargetError(
          `'${ref}' is a ${type?.name ?? 'resource'} with no terminal or desktop session`,
        );
      }
      if (!resource.dnsName)
        throw new TargetError(`resource '${resource.name}' has no DNS name or address to connect to`);
      const route = await routeTo(s.repos, resource);
      const grant: SessionGrant = {
        id: this.ctx.ids.next(),
        actor,
        target: {
          ref,
          resource: resource.name,
          account: account.name,
          protocol: type.protocol,
          typeName: type.name,
          host: resource.dnsName,
          port: resource.port ?? DEFAULT_PORTS[type.protocol] ?? 22,
          allowPortForwarding: resource.allowPortForwarding,
          recordFileContents: !!resource.recordFileContents,
          clipboard: clipboardPolicyOf(resource.clipboard),
        },
        route,
        issuedAt: this.ctx.now(),
        requestId: checkout?.requestId ?? null,
        expiresAt: checkout?.expiresAt ?? null,
      };
      await s.audit(
        'session.authorize',
        { kind: 'account', name: ref },
        { grant: grant.id, route: route.map((h) => h.landing) },
      );
      this.#grants.set(grant.id, grant);
      return grant;
    });
  }

  /**
   * Where a session to `ref` opens: in place on the operator's terminal (SSH, Telnet; `authorize`
   * follows), or in the browser (RDP: the viewer, through a one-time link). Checked as
   * `authorize` checks, with the same not-found for an unknown and a forbidden account; for a
   * desktop the check-out too, so its refusal is the one an SSH session gets.
   */
  async launchKind(actor: Actor, ref: string): Promise<'terminal' | 'desktop'> {
    return this.ctx.run(actor, 'session.open', { kind: 'account', name: ref }, async (s) =>
      (await checkSessionTarget(this.ctx, s, actor, ref)).protocol === 'rdp' ? 'desktop' : 'terminal',
    );
  }

  /** Forget a grant when its session ends. */
  release(grant: SessionGrant): void {
    this.#grants.delete(grant.id);
  }

  private held(grant: SessionGrant): SessionGrant {
    const g = this.#grants.get(grant.id);
    if (g !== grant) throw new NotFoundError('session grant', grant.id);
    return g;
  }

  /** The target's credential, or a landing hop's. Audited (without the value). */
  async credential(grant: SessionGrant, hop?: HopCandidate): Promise<Credential> {
    const g = this.held(grant);
    const ref = hop ? hop.ref : g.target.ref;
    if (hop && !g.route.some((h) => h.candidates.some((c) => c.ref === hop.ref)))
      throw new NotFoundError('hop', hop.ref);
    return this.ctx.store.tx(async (repos) => {
      const { account } = await loadAccount(repos, ref);
      const secret = this.ctx.keyring.open(account.passwordEnc, aad.account(account.id));
      await this.ctx.auditLog.append(repos, {
        type: 'session.credential-use',
        actor: g.actor.name,
        source: g.actor.source,
        target: { kind: 'account', name: ref },
        result: 'success',
        details: { grant: g.id, ...(hop ? { landing: hop.landing, role: hop.role } : {}) },
      });
      return account.credentialKind === 'private-key'
        ? { kind: 'private-key', username: account.name, secret }
        : { kind: 'password', username: account.name, secret };
    });
  }

  /** Host-key pinning per resource (first use recorded, a change refused and audited). */
  async checkHostKey(
    grant: SessionGrant,
    resourceName: string,
    key: { type: string; fingerprint: string },
  ): Promise<'recorded' | 'match'> {
    const g = this.held(grant);
    return checkPinnedHostKey(this.ctx, { name: g.actor.name, source: g.actor.source }, resourceName, key);
  }

  /** A refusal before any grant exists (a malformed target name, a command without a target). */
  async refuse(actor: Actor, target: string, reason: string): Promise<void> {
    await this.ctx.auditAs(
      actor,
      'session.refused',
      { kind: 'account', name: target.slice(0, 200) },
      'denied',
      { reason },
    );
  }

  /** Audit rows for the life of a session (start with the route taken, end with bytes). */
  async record(
    grant: SessionGrant,
    type: 'session.start' | 'session.end' | 'session.refused' | 'session.clipboard',
    details: Record<string, unknown>,
    result: AuditResult = 'success',
  ): Promise<void> {
    await this.ctx.appendStandalone({
      type,
      actor: grant.actor.name,
      source: grant.actor.source,
      target: { kind: 'account', name: grant.target.ref },
      result,
      details: { grant: grant.id, ...details },
    });
    if (type === 'session.end' && this.onSessionEnd) {
      await this.onSessionEnd(grant).catch(() => undefined);
    }
  }
}
