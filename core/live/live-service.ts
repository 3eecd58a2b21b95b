import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { checkText } from '../identity/names.ts';
import type { LiveRegistry, LiveSessionHandle, LiveSessionInfo } from './registry.ts';

export interface ShadowSession {
  info: LiveSessionInfo;
  /** The current screen, then live output until `leave()` or the session ends. */
  attach(onData: (chunk: Buffer) => void, onEnd: (reason: string) => void): void;
  leave(): Promise<void>;
}

/** Administrators list, shadow (read-only) and terminate live sessions, audited. */
export class LiveService {
  constructor(
    private readonly ctx: CoreContext,
    readonly registry: LiveRegistry,
  ) {}

  list(actor: Actor): LiveSessionInfo[] {
    this.ctx.authz.require(actor, 'session.list-live');
    return this.registry.list();
  }

  private handle(id: string): LiveSessionHandle {
    const h = this.registry.get(id);
    if (!h) throw new NotFoundError('live session', id);
    return h;
  }

  async shadow(actor: Actor, id: string): Promise<ShadowSession> {
    return this.ctx.run(actor, 'session.shadow', { kind: 'session', name: id }, async (s) => {
      this.ctx.authz.require(actor, 'session.shadow');
      const h = this.handle(id);
      const info = h.info();
      await s.audit(
        'session.shadow-join',
        { kind: 'session', name: id },
        { user: info.user, target: info.target },
      );
      let unsubscribe: (() => void) | undefined;
      let left = false;
      return {
        info,
        attach: (onData, onEnd) => {
          onData(Buffer.from(h.snapshot(), 'utf8'));
          unsubscribe = h.subscribe(onData, onEnd);
        },
        leave: async () => {
          if (left) return;
          left = true;
          unsubscribe?.();
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
      const h = this.handle(id);
      const info = h.info();
      await s.audit(
        'session.terminate',
        { kind: 'session', name: id },
        { user: info.user, target: info.target, reason: why },
      );
    });
    // After the audit row commits: the user's session ends with the one-line reason.
    this.handle(id).terminate(`terminated by ${actor.name}: ${why}`);
  }

  /** The live sessions on one account (`RESOURCE/ACCOUNT`), optionally only one user's. */
  byTarget(ref: string, user?: string): LiveSessionInfo[] {
    return this.registry.list().filter((i) => i.target === ref && (user === undefined || i.user === user));
  }

  /**
   * Ends `user`'s live sessions on `ref` with the one-line reason (a check-out ended: check-in,
   * expiry or force). Returns the ids of the sessions ended; the caller audits.
   */
  endForAccount(ref: string, user: string, reason: string): string[] {
    const ids: string[] = [];
    for (const info of this.byTarget(ref, user)) {
      const h = this.registry.get(info.id);
      if (!h) continue;
      h.terminate(reason);
      ids.push(info.id);
    }
    return ids;
  }
}
