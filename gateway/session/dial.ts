// Reaching a target's host:port through the landing servers of its grant (the hop chain).
import type { Core, SessionGrant } from '../../core/index.ts';
import type { Via } from '../connectors/types.ts';
import { openChain } from '../hops/chain.ts';

/**
 * Reaches the target's host:port through the grant's landing servers (nothing to do for a
 * direct route). Each hop logs in with its own vaulted credential and passes its host-key check;
 * failover to a secondary is audited with the reason the primary failed.
 */
export async function reachTarget(
  core: Core,
  grant: SessionGrant,
  timeoutMs: number,
  terminal?: { term: string; cols: number; rows: number },
  /** Another port on the target's host (port forwarding). */
  port?: number,
): Promise<{ via?: Via; landings: string[]; close: () => void }> {
  if (!grant.route.length) return { landings: [], close: () => undefined };
  const chain = await openChain({
    route: grant.route,
    target: port ? { ...grant.target, port } : grant.target,
    credentialFor: (c) => core.system.sessions.credential(grant, c),
    checkHostKey: async (c, key) => {
      await core.system.sessions.checkHostKey(grant, c.resource, key);
    },
    ...(terminal && grant.target.protocol === 'telnet' ? { terminal } : {}),
    timeoutMs,
  });
  for (const f of chain.failures) {
    await core.system.sessions.record(
      grant,
      'session.refused',
      { landing: f.landing, role: f.role, resource: f.resource, reason: f.phrase, failover: true },
      'failure',
    );
  }
  return {
    ...(chain.via ? { via: chain.via } : {}),
    landings: chain.landings.map((l) => `${l.landing} (${l.role} ${l.resource})`),
    close: () => chain.close(),
  };
}
