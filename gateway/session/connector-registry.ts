// Which connector opens a session on which protocol: one table, filled once per gateway, in
// place of a chain of protocol tests. A new protocol (RDP) adds one line here and its own folder
// under connectors/; the connectors never import each other.
import { TargetError, type Protocol } from '../../core/index.ts';
import type { DesktopConnector } from '../connectors/desktop-types.ts';
import { RdpConnector } from '../connectors/rdp/connector.ts';
import { SshConnector } from '../connectors/ssh.ts';
import { TelnetConnector } from '../connectors/telnet.ts';
import type { TargetConnector } from '../connectors/types.ts';
import type { GatewaySettings } from './types.ts';

/** Protocols a resource may have that no terminal connector serves, with the operator's reason. */
const NOT_HERE: Partial<Record<Protocol, string>> = {
  rdp: 'RDP sessions open in the browser: a shell to the account (ssh without a command) prints a one-time link to its viewer',
};

export class ConnectorRegistry {
  readonly #connectors = new Map<Protocol, TargetConnector>();
  readonly #desktops = new Map<Protocol, DesktopConnector>();

  /** Desktop connectors (RDP) are kept apart: their sessions are bitmaps and input, not streams. */
  addDesktop(protocol: Protocol, connector: DesktopConnector): this {
    this.#desktops.set(protocol, connector);
    return this;
  }

  /** The desktop connector for `protocol`; a TargetError when there is none. */
  desktopFor(protocol: Protocol): DesktopConnector {
    const c = this.#desktops.get(protocol);
    if (c) return c;
    throw new TargetError(`no desktop session for ${protocol} resources`);
  }

  add(protocol: Protocol, connector: TargetConnector): this {
    this.#connectors.set(protocol, connector);
    return this;
  }

  /** The connector for `protocol`; a TargetError with a one-line reason when there is none. */
  for(protocol: Protocol): TargetConnector {
    const c = this.#connectors.get(protocol);
    if (c) return c;
    throw new TargetError(NOT_HERE[protocol] ?? `no terminal session for ${protocol} resources`);
  }
}

/** The connectors a gateway starts with, configured from its settings. */
export function defaultConnectors(settings: Pick<GatewaySettings, 'telnetPrompts'>): ConnectorRegistry {
  return new ConnectorRegistry()
    .add('ssh', new SshConnector())
    .add('telnet', new TelnetConnector(settings.telnetPrompts ? { prompts: settings.telnetPrompts } : {}))
    .addDesktop('rdp', new RdpConnector());
}
