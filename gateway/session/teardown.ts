// The one place a session ends. A refused attempt and a session that ran both leave the live
// registry, give their grant back and write their audit row here, and nowhere else: a refusal
// writes `session.refused` (and, since the recording opens only after the target answered,
// leaves no recording); a session that ran writes `session.end` with how it ended and its bytes.
import type { LiveRegistration, SessionRecorder } from '../../core/index.ts';
import type { EndCause } from './events.ts';
import type { OpenedTarget, SessionEnv, SessionSpec } from './lifecycle.ts';

export async function refuseSession(
  env: SessionEnv,
  live: LiveRegistration,
  spec: SessionSpec,
  reason: string,
  route: string[],
): Promise<void> {
  await live.end(reason).catch(() => undefined);
  await env.core.system.sessions
    .record(env.grant, 'session.refused', { reason, mode: spec.mode, ...spec.details, route }, 'failure')
    .catch((e: unknown) => auditFailed(env, 'session.refused', e));
  env.core.system.sessions.release(env.grant);
}

export interface SessionOutcome {
  opened: OpenedTarget;
  recorder: SessionRecorder;
  exitCode: number;
  how: EndCause;
  reason: string;
  bytesIn: number;
  bytesOut: number;
  started: Date;
}

export async function finishSession(
  env: SessionEnv,
  live: LiveRegistration,
  spec: SessionSpec,
  o: SessionOutcome,
): Promise<void> {
  // Off the Live list first: nobody should be offered a session that is already going.
  await live.end(o.reason).catch(() => undefined);
  o.opened.close();
  const summary = await o.recorder.close().catch(() => undefined);
  env.core.system.sessions.release(env.grant);
  await env.core.system.sessions
    .record(env.grant, 'session.end', {
      mode: spec.mode,
      ...spec.details,
      exitCode: o.exitCode,
      how: o.how,
      reason: o.reason,
      bytesIn: o.bytesIn,
      bytesOut: o.bytesOut,
      seconds: Math.round((env.timers.now().getTime() - o.started.getTime()) / 1000),
      ...(summary ? { recording: summary.id } : {}),
    })
    .catch((e: unknown) => auditFailed(env, 'session.end', e));
}

function auditFailed(env: SessionEnv, type: string, e: unknown): void {
  env.logger.log('error', `cannot audit ${type}`, {
    grant: env.grant.id,
    error: String((e as Error)?.message).split('\n')[0],
  });
}
