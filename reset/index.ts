// Remote password reset connectors (issue 6). Core defines the interface and the engine; the
// composition root hands `resetConnectorsFor` to openCore. Keys are resource types' `resetKind`.
import type { ResetConnectors } from '../core/index.ts';
import { LdapResetConnector, type LdapResetOptions } from './ldap.ts';
import { MariaDbResetConnector } from './mariadb.ts';
import { PostgresResetConnector } from './postgres.ts';
import { SshUnixResetConnector } from './ssh-unix.ts';
import { ProcessListenerRunner } from './listener-runner.ts';

export {
  LdapResetConnector,
  MariaDbResetConnector,
  PostgresResetConnector,
  SshUnixResetConnector,
  ProcessListenerRunner,
};

export interface ResetConnectorsOptions {
  /** TLS trust and method of the LDAP connector (ldaps: extra CA certificates in PEM). */
  ldap?: LdapResetOptions;
}

export function resetConnectorsFor(opts: ResetConnectorsOptions = {}): ResetConnectors {
  return {
    unix: new SshUnixResetConnector(),
    postgres: new PostgresResetConnector(),
    mysql: new MariaDbResetConnector(),
    ldap: new LdapResetConnector(opts.ldap),
  };
}
