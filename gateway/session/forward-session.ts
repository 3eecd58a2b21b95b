// A port forward as a session: the lifecycle's SessionSpec for `ssh -L` / `ssh -W` towards a port
// on the target's host. The upstream connection is made BEFORE the operator's channel is
// accepted, so a refusal reaches the client as a channel-open failure naming the reason ("web01
// port 9 refused the connection") and is audited; once accepted, the forward is live (the Live
// screen lists it), ends by check-in, expiry, terminate, idle or maximum duration like any
// session, and its `session.end` carries the bytes.
import type { Duplex } from 'node:stream';
import { TargetError, discardRecorder, type SessionGrant } from '../../core/index.ts';
import { DialError } from '../connectors/failures.ts';
import { connectTcp } from '../connectors/tcp.ts';
import type { GatewayRuntime } from './channel-session.ts';
import { reachTarget } from './dial.ts';
import { runLifecycle, type OpenedTarget } from './lifecycle.ts';
import { startForwardPath } from './paths/forward.ts';

export interface ForwardSessionRequest extends GatewayRuntime {
  grant: SessionGrant;
  source: string;
  destPort: number;
  /** Accepts the operator's channel; undefined when the client has gone meanwhile. */
  accept(): Duplex | undefined;
  /** Refuses the operator's channel with a one-line reason. */
  refuse(reason: string): void;
}

export async function runForwardSession(r: ForwardSessionRequest): Promise<void> {
  const { grant, destPort } = r;
  await runLifecycle(r, {
    kind: 'forward',
    mode: 'port-forward',
    details: { port: destPort },
    forward: `${grant.target.host}:${destPort}`,
    open: (route) => openUpstream(r, route),
    refused: (message) => r.refuse(message),
  });
}

async function openUpstream(r: ForwardSessionRequest, route: string[]): Promise<OpenedTarget> {
  const { core, grant, destPort, settings } = r;
  let closeRoute: () => void = () => undefined;
  let upstream: Duplex;
  try {
    const reached = await reachTarget(core, grant, settings.connectTimeoutMs, undefined, destPort);
    closeRoute = reached.close;
    route.push(...reached.landings);
    upstream =
      reached.via?.stream ?? (await connectTcp(grant.target.host, destPort, settings.connectTimeoutMs));
  } catch (e) {
    closeRoute();
    r.logger.log('warn', 'port forward refused', {
      user: grant.actor.name,
      target: grant.target.ref,
      port: destPort,
      error: e instanceof Error ? e.message.split('\n')[0] : String(e),
    });
    if (e instanceof DialError)
      throw new TargetError(`${grant.target.resource} port ${destPort} ${e.phrase}`, {
        reason: e.reason,
        target: grant.target.ref,
      });
    throw e;
  }
  upstream.on('error', () => undefined); // a failure before the path starts ends it as 'close'
  const operator = r.accept();
  if (!operator) {
    upstream.destroy();
    closeRoute();
    throw new TargetError('the client closed the forwarding channel before it opened');
  }
  operator.on('error', () => undefined);
  return {
    openRecorder: async () => discardRecorder(),
    start: (ctx) => startForwardPath({ ctx, operator, target: upstream }),
    close: () => {
      operator.destroy();
      upstream.destroy();
      closeRoute();
    },
  };
}
