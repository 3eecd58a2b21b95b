// A vault with the REST API in front of it over real HTTPS, for tests that call the API as a
// client would: a password user `bystander` (for requests made by someone else) and a transport
// (node's https client, trusting only the listener's certificate).
import { silentLogger, type Actor, type Logger } from '../../core/index.ts';
import { createApiHandler } from '../../gateway/web/api/api-handler.ts';
import { allApiRoutes } from '../../gateway/web/api/openapi.ts';
import { httpsTransport, type Transport } from './api-client.ts';
import { startApiHost } from './api-https-host.ts';
import { createTestVault, type TestVault, type VaultOptions } from './vault.ts';

export interface ApiFixture {
  v: TestVault;
  api: Transport;
  url: string;
  ca: string;
  bystander: Actor;
  close(): Promise<void>;
}

/** `logger` receives core's and the API's log lines both. */
export async function apiTransport(o: VaultOptions & { logger?: Logger } = {}): Promise<ApiFixture> {
  const v = await createTestVault(o);
  const bystander = await v.addUser('bystander', 'password-user');
  const host = await startApiHost(
    createApiHandler({
      routes: allApiRoutes('test'),
      system: v.core.system,
      as: (a) => v.core.as(a),
      logger: o.logger ?? silentLogger,
    }),
  );
  return {
    v,
    api: httpsTransport(host.url, host.ca),
    url: host.url,
    ca: host.ca,
    bystander,
    close: async () => {
      await host.close();
      await v.close();
    },
  };
}
