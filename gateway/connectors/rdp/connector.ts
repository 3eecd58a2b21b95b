// The RDP desktop connector: the engine over a direct TCP connection or the landing chain's
// tunnel, with the vaulted password and the caller's certificate pin.
import { TargetError } from '../../../core/index.ts';
import type { DesktopConnector, DesktopOpenRequest, DesktopSession } from '../desktop-types.ts';
import { DEFAULT_TIMEOUT_MS } from '../types.ts';
import { openRdpSession } from './engine.ts';

/** `DOMAIN\user` → domain and user; a plain name has no domain. */
export function splitAccount(name: string): { domain?: string; user: string } {
  const i = name.indexOf('\\');
  return i > 0 ? { domain: name.slice(0, i), user: name.slice(i + 1) } : { user: name };
}

export class RdpConnector implements DesktopConnector {
  readonly protocol = 'rdp' as const;

  async open(req: DesktopOpenRequest): Promise<DesktopSession> {
    const ref = req.target.ref;
    if (req.credential.kind !== 'password')
      throw new TargetError(`RDP logs in with a password; ${ref} holds a private key`, {
        reason: 'auth',
        target: ref,
      });
    if (req.via && req.via.kind !== 'tcp')
      throw new TargetError(`RDP needs a TCP tunnel to ${ref}; the landing server offers only a terminal`, {
        reason: 'forwarding',
        target: ref,
      });
    const { domain, user } = splitAccount(req.credential.username);
    const session = await openRdpSession({
      ...(req.via ? { stream: req.via.stream } : {}),
      host: req.target.host,
      port: req.target.port,
      name: ref,
      size: req.size,
      ...(domain ? { domain } : {}),
      user,
      password: req.credential.secret,
      certificateCheck: (cert) => req.certificate(cert),
      ...(req.credssp ? { credssp: req.credssp } : {}),
      ...(req.channels?.length ? { channels: req.channels } : {}),
      timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    const done = session.done.then((end) => ({
      reason: end.reason,
      ...(end.error ? { message: end.error.message } : {}),
    }));
    const desktop: DesktopSession = {
      protocol: session.protocol,
      // read through: a Display Control resize changes it on the same connection
      get size() {
        return session.size;
      },
      on(event: 'bitmap' | 'logon', fn: never) {
        session.on(event as 'bitmap', fn);
        return desktop;
      },
      off(event, fn) {
        session.off(event, fn);
        return desktop;
      },
      input: (ev) => session.input(ev),
      channels: session.channels,
      onChannel: (fn) => session.onChannel(fn),
      sendChannel: (name, message) => session.sendChannel(name, message),
      requestSize: (size) => session.requestSize(size),
      onServerResize: (fn) => void session.on('resized', fn),
      close: () => session.close(),
      done,
    };
    return desktop;
  }
}
