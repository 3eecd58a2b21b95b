// Remote password reset connectors, one per reset family. Core defines the interface and the engine; the
// composition root hands `resetConnectorsFor` to openCore. Keys are resource types' `resetKind`.
import { resetError, type ResetConnector, type ResetConnectors } from '../core/index.ts';
import { LdapResetConnector, type LdapResetOptions } from './ldap.ts';
import { ProcessListenerRunner } from './listener-runner.ts';
import { MariaDbResetConnector } from './mariadb.ts';
import { NetworkDeviceResetConnector } from './network-device.ts';
import { PostgresResetConnector } from './postgres.ts';
import { WindowsRdpVerifyConnector } from './rdp-verify.ts';
import type { TelnetPromptConfig } from './prompts.ts';
import { SshUnixResetConnector } from './ssh-unix.ts';
import { TelnetUnixResetConnector } from './telnet-unix.ts';

export {
  LdapResetConnector,
  MariaDbResetConnector,
  NetworkDeviceResetConnector,
  PostgresResetConnector,
  ProcessListenerRunner,
  SshUnixResetConnector,
  TelnetUnixResetConnector,
  WindowsRdpVerifyConnector,
};
export { DEFAULT_PROMPTS, type TelnetPromptConfig } from './prompts.ts';

export interface ResetConnectorsOptions {
  /** The [telnet] section of the configuration (node-wide prompt defaults). */
  prompts?: TelnetPromptConfig;
  /** TLS trust and method of the LDAP connector (ldaps: extra CA certificates in PEM). */
  ldap?: LdapResetOptions;
}

export function resetConnectorsFor(o: ResetConnectorsOptions = {}): ResetConnectors {
  const unix = new SshUnixResetConnector(o);
  const telnet = new TelnetUnixResetConnector(o);
  return {
    // A Unix resource whose settings say `transport: telnet` is reset over Telnet.
    unix: byTransport(unix, telnet),
    'unix-telnet': telnet,
    'cisco-ios': new NetworkDeviceResetConnector(o),
    postgres: new PostgresResetConnector(),
    mysql: new MariaDbResetConnector(),
    ldap: new LdapResetConnector(o.ldap),
    // windows-rdp accounts: verification over NLA only (no password change on Windows yet).
    windows: new WindowsRdpVerifyConnector(),
  };
}

/** Picks the SSH or the Telnet connector by the resource's `transport` setting. */
function byTransport(ssh: ResetConnector, telnet: ResetConnector): ResetConnector {
  const pick = (t: Parameters<ResetConnector['change']>[0]) =>
    t.settings?.transport === 'telnet' ? telnet : ssh;
  return {
    landingRoutes: true,
    change: (t, l, a, n) => pick(t).change(t, l, a, n),
    verify: async (t, a, s) => {
      const c = pick(t);
      if (!c.verify)
        throw resetError('failed', `verification is not available over ${t.settings?.transport ?? 'ssh'}`);
      return c.verify(t, a, s);
    },
  };
}
