// A vault with the REST API in front of it over real HTTPS, for tests that call the API as a
// client would: a password user `bystander` (for requests made by someone else) and a transport
// (node's https client, trusting only the listener's certificate).
import { silentLogger, type Actor, type Logger } from '../../core/index.ts';
import { createRestApi } from '../../gateway/web/api/index.ts';
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
  // Tests here send many refused keys from 127.0.0.1 on purpose; the per-address limit itself is
  // tested on its own (test/web-api/api-handler.test.ts).
  const v = await createTestVault({
    ...o,
    extraConfig: {
      ...o.extraConfig,
      security: { lockout_source_attempts: 10_000, ...o.extraConfig?.security },
    },
  });
  const bystander = await v.addUser('bystander', 'password-user');
  const api = createRestApi({
    core: v.core,
    config: v.core.as(v.host).config,
    logger: o.logger ?? silentLogger,
    version: 'test',
  });
  const host = await startApiHost(api.handle);
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
