// The desktop dialer the gateway runs with: the registry's desktop connector (RDP) reached
// through the grant's landing servers by openDesktopTarget (failover, certificate pin), handed
// to the desktop session in the few calls it makes.
import type { Core } from '../../../core/index.ts';
import type { ConnectorRegistry } from '../connector-registry.ts';
import { openDesktopTarget } from '../desktop-dial.ts';
import type { DesktopEnd } from '../../connectors/desktop-types.ts';
import { CLIPRDR_CHANNEL, DRDYNVC_CHANNEL, type DesktopDialer } from './types.ts';

/** The one line the operator sees when the desktop ends without a message of its own. */
function endLine(end: DesktopEnd): string {
  if (end.message) return end.message;
  if (end.reason === 'server-closed') return 'the RDP server ended the session';
  return 'the session was closed';
}

export function connectorDialer(core: Core, connectors: ConnectorRegistry, timeoutMs: number): DesktopDialer {
  return async (grant, size, route) => {
    const opened = await openDesktopTarget(
      core,
      grant,
      {
        connector: connectors.desktopFor(grant.target.protocol),
        size,
        timeoutMs,
        // The clipboard's channel is not even announced when the resource's policy is off;
        // drdynvc always is: it carries Display Control, which resizes without a new login.
        channels: [
          ...((grant.target.clipboard ?? 'off') !== 'off' ? [CLIPRDR_CHANNEL] : []),
          DRDYNVC_CHANNEL,
        ],
      },
      route,
    );
    const { session } = opened;
    return {
      get size() {
        return session.size;
      },
      onBitmap: (cb) => void session.on('bitmap', cb),
      onLogon: (cb) => void session.on('logon', cb),
      input: (ev) => session.input(ev),
      channels: session.channels,
      onChannel: (fn) => session.onChannel(fn),
      sendChannel: (name, message) => session.sendChannel(name, message),
      ...(session.requestSize ? { requestSize: (size) => session.requestSize!(size) } : {}),
      ...(session.onServerResize ? { onServerResize: (cb) => session.onServerResize!(cb) } : {}),
      close: () => opened.close(),
      done: session.done.then((end) => ({ reason: endLine(end) })),
    };
  };
}
