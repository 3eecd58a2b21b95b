import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { checkText } from '../identity/names.ts';
import type { LiveEvent, LiveRegistry, LiveSessionInfo } from './live-registry.ts';

/**
 * A read-only view of one live session: iterate it for the current screen, then live output,
 * then one `end` (see LiveEvent). Nothing here can write to the session.
 */
export interface ShadowSession extends AsyncIterable<LiveEvent> {
  info: LiveSessionInfo;
  /** Stops watching (the iteration finishes) and audits the leave, once. */
  leave(): Promise<void>;
}

const KIND_NAMES = { forward: 'port forward', 'file-transfer': 'file transfer' } as const;

/**
 * Administrators list, shadow (read-only) and terminate live sessions, audited. Everything goes
 * through the registry's messages, so it works the same whichever node runs the session.
 */
export class LiveService {
  constructor(
    private readonly ctx: CoreContext,
    readonly registry: LiveRegistry,
  ) {}

  async list(actor: Actor): Promise<LiveSessionInfo[]> {
    this.ctx.authz.require(actor, 'session.list-live');
    return this.registry.list();
  }

  /** Authorisation comes first, so an unknown id and a forbidden one get the same answer. */
  async get(actor: Actor, id: string): Promise<LiveSessionInfo> {
    this.ctx.authz.require(actor, 'session.list-live');
    return this.info(id);
  }

  private async info(id: string): Promise<LiveSessionInfo> {
    const info = await this.registry.get(id);
    if (!info) throw new NotFoundError('live session', id);
    return info;
  }

  async shadow(actor: Actor, id: string): Promise<ShadowSession> {
    return this.ctx.run(actor, 'session.shadow', { kind: 'session', name: id }, async (s) => {
      this.ctx.authz.require(actor, 'session.shadow');
      const info = await this.info(id);
      // A port forward or a file transfer carries bytes for a program, not a screen: watching it
      // would show nothing, so the shadow is refused with the reason rather than left blank.
      if (info.kind === 'forward' || info.kind === 'file-transfer')
        throw new ValidationError(
          `session '${id}' is a ${KIND_NAMES[info.kind]}: it has no screen to shadow`,
          {
            reason: 'no-screen',
            kind: info.kind,
          },
        );
      const subscription = await this.registry.subscribe(id);
      // It ended between the lookup and the subscription: as if it had never been there.
      if (!subscription) throw new NotFoundError('live session', id);
      try {
        await s.audit(
          'session.shadow-join',
          { kind: 'session', name: id },
          { user: info.user, target: info.target },
        );
      } catch (e) {
        subscription.close();
        throw e;
      }
      // The session's recording marks who watched, and when (best effort: a marker never fails a shadow).
      const mark = (event: 'join' | 'leave') =>
        void this.registry.viewerChange?.(id, { event, by: actor.name }).catch(() => undefined);
      mark('join');
      let left = false;
      return {
        info,
        [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
        leave: async () => {
          if (left) return;
          left = true;
          subscription.close();
          mark('leave');
          await this.ctx.auditAs(actor, 'session.shadow-leave', { kind: 'session', name: id }, 'success', {
            user: info.user,
            target: info.target,
          });
        },
      };
    });
  }

  async terminate(actor: Actor, id: string, reason: string): Promise<void> {
    const why = checkText('reason', reason, 200);
    if (!why) throw new ValidationError('a reason is required to terminate a session', { field: 'reason' });
    await this.ctx.run(actor, 'session.terminate', { kind: 'session', name: id }, async (s) => {
      this.ctx.authz.require(actor, 'session.terminate');
      const info = await this.info(id);
      await s.audit(
        'session.terminate',
        { kind: 'session', name: id },
        { user: info.user, target: info.target, reason: why },
      );
    });
    // After the audit row commits: the user's session ends with the one-line reason.
    const reached = await this.registry.terminate(id, `terminated by ${actor.name}: ${why}`, actor.name);
    if (!reached) throw new NotFoundError('live session', id);
  }

  /**
   * Ends the live sessions running under one check-out (check-in, forced check-in or expiry),
   * with the one-line reason; `by` names who ended the check-out. Sessions of other check-outs
   * of the same user or account are untouched. Returns the ids reached; the caller audits.
   */
  async endForRequest(requestId: string, reason: string, by: string): Promise<string[]> {
    return this.registry.terminateByRequest(requestId, reason, by);
  }
}
