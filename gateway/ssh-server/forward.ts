// `ssh -L` (and `ssh -W`): a direct-tcpip channel from the operator to another port on the target's
// host, only through a direct-target username and only where the resource allows forwarding. The
// forward itself is a session like any other (../session/forward-session.ts); this file is its
// SSH side: who may ask, and how a refusal reaches the client.
import type { Connection, ServerChannel } from 'ssh2';
import { printable, type Actor } from '../../core/index.ts';
import type { GatewayRuntime } from '../session/channel-session.ts';
import { runForwardSession } from '../session/forward-session.ts';
import { operatorMessage } from '../session/types.ts';
import type { ParsedUsername } from './username.ts';

export interface ForwardRequest extends GatewayRuntime {
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
  // The channel is answered once: accepted by the forward, or refused here.
  let answered = false;
  const refuse = (reason: string) => {
    if (answered) return;
    answered = true;
    rejectChannel(client, r.reject, reason);
  };
  if (parsed.kind !== 'direct')
    return refuse('port forwarding needs a direct-target username (USER:ACCOUNT@RESOURCE)');
  let grant;
  try {
    grant = await core.as(actor).sessions.authorize(parsed.ref);
  } catch (e) {
    return refuse(operatorMessage(e));
  }
  if (!grant.target.allowPortForwarding) {
    const reason = 'port forwarding is not allowed for this resource';
    await core.system.sessions
      .record(grant, 'session.refused', { reason, mode: 'port-forward', port: destPort }, 'denied')
      .catch(() => undefined);
    core.system.sessions.release(grant);
    return refuse(reason);
  }
  await runForwardSession({
    ...r,
    grant,
    source: actor.source,
    accept: () => {
      if (answered) return undefined;
      answered = true;
      return r.accept?.();
    },
    refuse,
  });
}
