// The clocks that end a session from the gateway's side: idle, maximum duration and the end of
// the check-out the session runs under. All run on the injected Timers, so a test advances a
// manual clock to the very instant instead of sleeping past it.
import { checkoutExpiredMessage, type SessionGrant, type Timers } from '../../core/index.ts';
import type { SessionEvent } from './events.ts';

export interface SessionClocks {
  /** Marks traffic (either direction); cheap: called for every chunk. */
  activity(): void;
  cancel(): void;
}

/** The one line an operator reads when the check-out behind the session ends by itself. */
export function expiryReason(grant: SessionGrant): string {
  return checkoutExpiredMessage(grant.target.ref);
}

export function armSessionClocks(o: {
  timers: Timers;
  grant: SessionGrant;
  idleTimeoutMs: number;
  maxDurationMs: number;
  push: (e: SessionEvent) => void;
}): SessionClocks {
  const { timers, push } = o;
  const cancels: (() => void)[] = [];
  let lastActivity = timers.now().getTime();

  if (o.idleTimeoutMs > 0) {
    // One timer per quiet period, not one per chunk: when it fires early (there was traffic since
    // it was armed) it re-arms for what is left of the period after the last chunk.
    let cancelIdle: () => void = () => undefined;
    const check = () => {
      const quiet = timers.now().getTime() - lastActivity;
      if (quiet >= o.idleTimeoutMs)
        push({
          type: 'stop',
          cause: 'idle',
          reason: `idle for ${Math.round(o.idleTimeoutMs / 60_000)} minutes`,
        });
      else cancelIdle = timers.after(o.idleTimeoutMs - quiet, check);
    };
    cancelIdle = timers.after(o.idleTimeoutMs, check);
    cancels.push(() => cancelIdle());
  }
  if (o.maxDurationMs > 0)
    cancels.push(
      timers.after(o.maxDurationMs, () =>
        push({ type: 'stop', cause: 'max-duration', reason: 'maximum session duration reached' }),
      ),
    );
  if (o.grant.expiresAt) {
    const due = Date.parse(o.grant.expiresAt) - timers.now().getTime();
    cancels.push(
      timers.after(due, () => push({ type: 'stop', cause: 'expired', reason: expiryReason(o.grant) })),
    );
  }
  return {
    activity: () => {
      lastActivity = timers.now().getTime();
    },
    cancel: () => {
      for (const c of cancels) c();
    },
  };
}
