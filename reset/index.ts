// Remote password reset connectors (issue 6). Core defines the interface and the engine; the
// composition root hands `resetConnectorsFor` to openCore. Keys are resource types' `resetKind`.
import type { ResetConnectors } from '../core/index.ts';
import { PostgresResetConnector } from './postgres.ts';
import { SshUnixResetConnector } from './ssh-unix.ts';
import { ProcessListenerRunner } from './listener-runner.ts';

export { PostgresResetConnector, SshUnixResetConnector, ProcessListenerRunner };

export function resetConnectorsFor(): ResetConnectors {
  return { unix: new SshUnixResetConnector(), postgres: new PostgresResetConnector() };
}
