// Opening a desktop (RDP) session for a grant: through the grant's landing servers (the same hop
// chain, primary/secondary failover and failover audit as terminal sessions), with the vaulted
// credential, and the target's TLS certificate pinned per resource on first use like an SSH host
// key (the pin store is the host-key store, under its own key type; a changed certificate is
// refused and audited as `host-key.mismatch`).
import type { TLSSocket } from 'node:tls';
import { CustodyError, HostKeyError, type Core, type SessionGrant } from '../../core/index.ts';
import type { DesktopConnector, DesktopSession } from '../connectors/desktop-types.ts';
import { RDP_CERTIFICATE_KEY_TYPE } from '../connectors/rdp/certificate.ts';
import type { DesktopSize } from '../../protocols/rdp/types.ts';
import { reachTarget } from './dial.ts';

export interface DesktopDialOptions {
  connector: DesktopConnector;
  size: DesktopSize;
  timeoutMs: number;
  credssp?: (tls: TLSSocket) => Promise<void>;
  /** Virtual channels to ask the server for (the clipboard's, when the policy allows any direction). */
  channels?: string[];
}

export interface OpenedDesktop {
  session: DesktopSession;
  /** The landing servers used, e.g. `dmz (primary jump1)`. */
  landings: string[];
  /** Ends the session and the hop chain under it. Idempotent. */
  close(): void;
}

/** The host-key store's refusal, told as what it is here: a TLS certificate. */
function certificateRefusal(e: HostKeyError, resource: string, got: string): HostKeyError {
  const what = e.message.includes(' changed ') ? 'changed' : 'is not the one an administrator accepted';
  return new HostKeyError(
    `TLS certificate of RDP server '${resource}' ${what} (expected ${String(e.details.expected)}, got ${got}): refusing to connect`,
    { ...e.details, keyType: RDP_CERTIFICATE_KEY_TYPE },
  );
}

/**
 * Reaches the target, logs in and returns the session; rejects with one CustodyError. Nothing is
 * audited here beyond the hop failovers and the pin (the session lifecycle audits the refusal);
 * `dialDesktop` below is for callers outside the lifecycle.
 */
export async function openDesktopTarget(
  core: Core,
  grant: SessionGrant,
  o: DesktopDialOptions,
  route: string[] = [],
): Promise<OpenedDesktop> {
  const reached = await reachTarget(core, grant, o.timeoutMs);
  route.push(...reached.landings);
  let session: DesktopSession;
  try {
    session = await o.connector.open({
      target: grant.target,
      credential: await core.system.sessions.credential(grant),
      ...(reached.via ? { via: reached.via } : {}),
      size: o.size,
      certificate: async (cert) => {
        try {
          await core.system.sessions.checkHostKey(grant, grant.target.resource, {
            type: RDP_CERTIFICATE_KEY_TYPE,
            fingerprint: cert.fingerprint,
          });
        } catch (e) {
          throw e instanceof HostKeyError
            ? certificateRefusal(e, grant.target.resource, cert.fingerprint)
            : e;
        }
      },
      ...(o.credssp ? { credssp: o.credssp } : {}),
      ...(o.channels?.length ? { channels: o.channels } : {}),
      timeoutMs: o.timeoutMs,
    });
  } catch (e) {
    reached.close();
    throw e;
  }
  void session.done.then(() => reached.close());
  return {
    session,
    landings: reached.landings,
    close: () => {
      session.close();
      reached.close();
    },
  };
}

/**
 * `openDesktopTarget` plus the refusal's audit row (`session.refused`, with the one-line reason and
 * the route so far) for callers that run no session lifecycle (verification, benchmarks).
 */
export async function dialDesktop(
  core: Core,
  grant: SessionGrant,
  o: DesktopDialOptions,
): Promise<OpenedDesktop> {
  const route: string[] = [];
  try {
    return await openDesktopTarget(core, grant, o, route);
  } catch (e) {
    const message = e instanceof CustodyError ? e.message : 'the desktop session could not be opened';
    const reason = e instanceof CustodyError ? (e.details.reason ?? e.code) : 'internal';
    await core.system.sessions.record(
      grant,
      'session.refused',
      {
        reason: message,
        failure: reason,
        code: e instanceof CustodyError ? e.code : 'E_INTERNAL',
        mode: 'desktop',
        route,
      },
      'failure',
    );
    throw e;
  }
}
