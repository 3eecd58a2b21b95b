// A vault with the REST API on the real web listener (in-process, HTTPS on a free port), for
// tests that call the API as a client would: a password user `bystander` (for requests made by
// someone else) and a transport (node's https client, trusting only the listener's certificate).
import path from 'node:path';
import { silentLogger, systemClock, type Actor, type Clock, type Logger } from '../../core/index.ts';
import { createRestApi, ensureWebCertificate, startWebListener } from '../../gateway/index.ts';
import { httpsTransport, type Transport } from './api-client.ts';
import { createTestVault, type TestVault, type VaultOptions } from './vault.ts';

export interface ApiFixture {
  v: TestVault;
  api: Transport;
  url: string;
  ca: string;
  bystander: Actor;
  /** The listener's registered routes (for the OpenAPI check against the real ones). */
  registered(): readonly { method: string; path: string }[];
  close(): Promise<void>;
}

/**
 * `logger` receives core's and the listener's log lines; `clock` drives the refused-key limit.
 * The limit itself is raised unless `extraConfig.security` sets it: these tests refuse keys from
 * 127.0.0.1 on purpose.
 */
export async function apiTransport(
  o: VaultOptions & { logger?: Logger; apiClock?: Clock } = {},
): Promise<ApiFixture> {
  const v = await createTestVault({
    ...o,
    extraConfig: {
      ...o.extraConfig,
      security: { lockout_source_attempts: 10_000, ...o.extraConfig?.security },
    },
  });
  const bystander = await v.addUser('bystander', 'password-user');
  const config = v.core.as(v.host).config;
  const api = createRestApi({
    core: v.core,
    config,
    version: 'test',
    ...(o.apiClock ? { clock: o.apiClock } : {}),
  });
  const tls = await ensureWebCertificate({ keysDir: path.join(v.home, 'keys'), hostNames: ['localhost'] });
  const web = await startWebListener({
    core: v.core,
    host: '127.0.0.1',
    port: 0,
    tls,
    logger: o.logger ?? silentLogger,
    clock: systemClock,
    sessionMinutes: 60,
    modules: [api.module],
    authenticateApiKey: api.authenticateApiKey,
  });
  const url = `https://127.0.0.1:${web.port}`;
  return {
    v,
    api: httpsTransport(url, tls.certPem),
    url,
    ca: tls.certPem,
    bystander,
    registered: () => web.router.routes().map((r) => ({ method: r.method, path: r.path })),
    close: async () => {
      await web.close();
      await v.close();
    },
  };
}
