// `ssh -L` (and `ssh -W`): a direct-tcpip channel from the operator to another port on the target's
// host, only through a direct-target username and only where the resource allows forwarding.
//
// The upstream connection is made BEFORE the channel is accepted, so a refusal reaches the client
// as a channel-open failure with a reason ("open failed: connect failed: web01 port 9 refused the
// connection"), and every socket and channel has an 'error' listener: a failing forward ends that
// forward, never the process (issue 10).
import type { Duplex } from 'node:stream';
import type { Connection, ServerChannel } from 'ssh2';
import { printable, type Actor, type Core, type Logger } from '../../core/index.ts';
import { DialError } from '../connectors/failures.ts';
import { connectTcp } from '../connectors/tcp.ts';
import { reachTarget } from './dial.ts';
import { operatorMessage, type GatewaySettings } from './launch.ts';
import type { ParsedUsername } from './username.ts';

export interface ForwardRequest {
  core: Core;
  settings: GatewaySettings;
  logger: Logger;
  client: Connection;
  actor: Actor;
  parsed: ParsedUsername;
  destPort: number;
  accept: (() => ServerChannel) | undefined;
  reject: (() => void) | undefined;
}

/**
 * Rejects a channel open with `description` as the reason text. ssh2's reject() always sends an
 * empty description, which OpenSSH prints as "open failed: connect failed: " and nothing else;
 * reject() calls the protocol's channelOpenFail synchronously, so the text is supplied for that
 * one call. Falls back to the plain reject if ssh2's internals ever change shape.
 */
export function rejectChannel(
  client: Connection,
  reject: (() => void) | undefined,
  description: string,
): void {
  if (!reject) return;
  const proto = (client as unknown as { _protocol?: { channelOpenFail?: (...a: unknown[]) => void } })
    ._protocol;
  const original = proto?.channelOpenFail;
  if (!proto || typeof original !== 'function') return reject();
  proto.channelOpenFail = (recipient: unknown, reason: unknown, desc?: unknown) =>
    original.call(proto, recipient, reason, desc || printable(description));
  try {
    reject();
  } finally {
    proto.channelOpenFail = original;
  }
}

export async function openForward(r: ForwardRequest): Promise<void> {
  const { core, client, actor, parsed, destPort } = r;
  if (parsed.kind !== 'direct')
    return rejectChannel(
      client,
      r.reject,
      'port forwarding needs a direct-target username (USER:ACCOUNT@RESOURCE)',
    );
  let grant;
  try {
    grant = await core.sessions.authorize(actor, parsed.ref);
  } catch (e) {
    return rejectChannel(client, r.reject, operatorMessage(e));
  }
  const refuse = async (reason: string, result: 'denied' | 'failure') => {
    await core.sessions
      .record(grant, 'session.refused', { reason, mode: 'port-forward', port: destPort }, result)
      .catch(() => undefined);
    core.sessions.release(grant);
    rejectChannel(client, r.reject, reason);
  };
  if (!grant.target.allowPortForwarding)
    return refuse('port forwarding is not allowed for this resource', 'denied');

  let upstream: Duplex;
  let closeRoute: () => void = () => undefined;
  try {
    const reached = await reachTarget(core, grant, r.settings.connectTimeoutMs, undefined, destPort);
    closeRoute = reached.close;
    upstream =
      reached.via?.stream ?? (await connectTcp(grant.target.host, destPort, r.settings.connectTimeoutMs));
  } catch (e) {
    closeRoute();
    const why =
      e instanceof DialError ? `${grant.target.resource} port ${destPort} ${e.phrase}` : operatorMessage(e);
    r.logger.log('warn', 'port forward refused', {
      user: actor.name,
      target: printable(parsed.ref),
      error: why,
    });
    return refuse(why, 'failure');
  }
  upstream.on('error', () => {}); // ends as 'close' below
  const down = r.accept?.();
  if (!down) {
    upstream.destroy();
    closeRoute();
    core.sessions.release(grant);
    return;
  }
  down.on('error', () => {});
  let over = false;
  const end = () => {
    if (over) return;
    over = true;
    upstream.destroy();
    down.destroy();
    closeRoute();
    core.sessions.release(grant);
  };
  down.once('close', end);
  upstream.once('close', end);
  down.pipe(upstream).pipe(down);
  await core.sessions
    .record(grant, 'session.start', { mode: 'port-forward', port: destPort })
    .catch(() => undefined);
}
