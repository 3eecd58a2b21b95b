// A vault with the REST API in front of it, for tests that call the API as a client would: a
// password user `bystander` (for requests made by someone else) and a transport to the API.
import { silentLogger, type Actor } from '../../core/index.ts';
import { createApiHandler } from '../../gateway/web/api/api-handler.ts';
import { allApiRoutes } from '../../gateway/web/api/openapi.ts';
import { adapterTransport, type Transport } from './api-client.ts';
import { createTestVault, type TestVault, type VaultOptions } from './vault.ts';

export interface ApiFixture {
  v: TestVault;
  api: Transport;
  bystander: Actor;
  close(): Promise<void>;
}

export async function apiTransport(o: VaultOptions = {}): Promise<ApiFixture> {
  const v = await createTestVault(o);
  const bystander = await v.addUser('bystander', 'password-user');
  const api = adapterTransport(
    createApiHandler({
      routes: allApiRoutes('test'),
      system: v.core.system,
      as: (a) => v.core.as(a),
      logger: silentLogger,
    }),
  );
  return { v, api, bystander, close: () => v.close() };
}
