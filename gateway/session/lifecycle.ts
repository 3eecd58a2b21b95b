// The life of one session, whatever it carries: registered live as `opening` before anything is
// dialled, the target reached, the registration confirmed, the recording opened (only now: an
// attempt that never reached its target leaves no recording), the data path started, then one
// loop over the session's events until the path is over, and one teardown.
//
//   accept ─► register (opening) ─► spec.open() ─► confirm (live) ─► recorder ─► session.start
//          ─► clocks + data path ─► events: stop | path-ended ─► teardown (session.end)
//
// Everything particular to a kind of session is in its SessionSpec (./channel-session.ts for
// shells, commands and sftp; ./forward-session.ts for port forwards).
import {
  CustodyError,
  type Core,
  type LiveEndpoint,
  type LiveRegistry,
  type LiveSessionKind,
  type Logger,
  type SessionGrant,
  type SessionRecorder,
  type Timers,
} from '../../core/index.ts';
import { EventQueue, type SessionEvent, type StopCause } from './events.ts';
import type { DataPath, PathContext } from './paths/types.ts';
import { sessionMarkers } from './markers.ts';
import { finishSession, refuseSession } from './teardown.ts';
import { armSessionClocks } from './timers.ts';
import { operatorMessage, type GatewaySettings } from './types.ts';
import { setupPhase } from '../setup-phases.ts';

export interface SessionEnv {
  core: Core;
  grant: SessionGrant;
  settings: GatewaySettings;
  timers: Timers;
  /** Where the session is listed live; only `register` is needed here. */
  live: Pick<LiveRegistry, 'register'>;
  logger: Logger;
  /** The operator's address. */
  source: string;
}

/** What one kind of session adds to the common lifecycle. */
export interface SessionSpec {
  kind: LiveSessionKind;
  /** `mode` on the session's audit rows: shell, exec, sftp, port-forward. */
  mode: string;
  /** More details for every audit row of the session (a forward's port). */
  details?: Record<string, unknown>;
  /** For a forward: `host:port` on the target side, shown in the Live list. */
  forward?: string;
  /**
   * Reaches the target and logs in; rejects (ideally with a one-line CustodyError) to refuse.
   * `route` collects the landing servers used so far, for the refusal's audit row.
   */
  open(route: string[]): Promise<OpenedTarget>;
  /** The attempt is refused: the operator learns why (nothing has been recorded). */
  refused(message: string): void;
}

export interface OpenedTarget {
  /** Called once the target answered; the discard recorder for kinds that are not recorded. */
  openRecorder(): Promise<SessionRecorder>;
  start(ctx: PathContext): DataPath;
  /** Closes the target and the landing route; idempotent. */
  close(): void;
}

/** Exit code for the operator: the target's own, or 1 when the session did not run to its end. */
export async function runLifecycle(env: SessionEnv, spec: SessionSpec): Promise<number> {
  const { core, grant, settings, timers } = env;
  const events = new EventQueue<SessionEvent>();
  const started = timers.now();
  let path: DataPath | undefined = undefined;
  let recorder: SessionRecorder | undefined;
  const markers = sessionMarkers(grant, () => recorder);
  const endpoint: LiveEndpoint = {
    screen: () => path?.screen() ?? Buffer.alloc(0),
    size: () => path?.size?.(),
    control: (m) => events.push({ type: 'stop', cause: 'terminated', reason: m.reason, by: m.by }),
    viewerChange: (c) => markers.viewer(c),
  };
  const live = await env.live.register(
    {
      id: grant.id,
      user: grant.actor.name,
      target: grant.target.ref,
      // The Live list names what runs besides the protocol for anything but a shell (`ssh exec`);
      // a desktop is all an RDP session ever is, so it is plain `rdp`.
      protocol:
        spec.mode === 'shell' || spec.kind === 'desktop'
          ? grant.target.protocol
          : `${grant.target.protocol} ${spec.mode}`,
      kind: spec.kind,
      state: 'opening',
      requestId: grant.requestId,
      expiresAt: grant.expiresAt,
      route: [],
      source: env.source,
      startedAt: started.toISOString(),
      bytesIn: 0,
      bytesOut: 0,
      node: settings.nodeName,
      ...(spec.forward ? { forward: spec.forward } : {}),
    },
    endpoint,
  );

  const route: string[] = [];
  let opened: OpenedTarget | undefined;
  let opening: SessionRecorder;
  try {
    opened = await spec.open(route);
    opening = await opened.openRecorder();
    recorder = opening;
    setupPhase('recording-open');
  } catch (e) {
    opened?.close();
    if (!(e instanceof CustodyError))
      env.logger.log('error', 'session failed to open', {
        grant: grant.id,
        error: String((e as Error)?.message).split('\n')[0],
      });
    const message = operatorMessage(e);
    await refuseSession(env, live, spec, message, route);
    spec.refused(message);
    return 1;
  }

  markers.started();
  await live.confirm({ route });
  await core.system.sessions.record(grant, 'session.start', {
    mode: spec.mode,
    ...spec.details,
    route,
    recording: opening.id,
  });
  const clocks = armSessionClocks({
    timers,
    grant,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxDurationMs: settings.maxDurationMs,
    push: (e) => events.push(e),
  });
  opening.onFailure(() => {
    if (settings.recordingFailure === 'strict')
      events.push({ type: 'stop', cause: 'recording-failed', reason: 'recording failed (strict policy)' });
    else path?.warn('\r\n[custody] warning: recording failed; the session continues unrecorded\r\n');
  });
  const running = opened.start({
    live,
    traffic: (bytesIn, bytesOut) => {
      clocks.activity();
      live.counters(bytesIn, bytesOut);
    },
    counters: (bytesIn, bytesOut) => live.counters(bytesIn, bytesOut),
    ended: (end) => events.push({ type: 'path-ended', end }),
  });
  path = running;
  setupPhase('session-started');

  let stop: { cause: StopCause; reason: string } | undefined;
  for (;;) {
    const e = await events.next();
    if (e.type === 'stop') {
      if (stop) continue;
      stop = { cause: e.cause, reason: e.reason };
      markers.stopped(e.cause, e.reason, e.by);
      env.logger.log('info', 'session stopped by the gateway', {
        grant: grant.id,
        cause: e.cause,
        ...(e.by ? { by: e.by } : {}),
      });
      running.stop(e.reason);
      continue;
    }
    clocks.cancel();
    setupPhase('target-exited');
    // A session the gateway ended (terminate, a clock, recording failure) never reports success.
    const exitCode = stop ? 1 : (e.end.exitCode ?? (e.end.signal ? 128 : 0));
    await finishSession(env, live, spec, {
      opened,
      recorder: opening,
      exitCode,
      how: stop?.cause ?? 'closed',
      reason: stop?.reason ?? 'ended',
      bytesIn: running.bytesIn,
      bytesOut: running.bytesOut,
      started,
    });
    setupPhase('session-finished');
    return exitCode;
  }
}
