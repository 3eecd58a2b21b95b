import { z } from 'zod';
import { serverSection } from './sections/server.ts';
import { storageSection } from './sections/storage.ts';
import { cryptoSection } from './sections/crypto.ts';
import { securitySection } from './sections/security.ts';
import { vaultSection } from './sections/vault.ts';
import { auditSection } from './sections/audit.ts';
import { recordingsSection } from './sections/recordings.ts';
import { telnetSection } from './sections/telnet.ts';
import { gatewaySection } from './sections/gateway.ts';
import { rdpSection } from './sections/rdp.ts';
import { qualityExitSection } from './sections/quality-exit.ts';
import { ticketingSection } from './sections/ticketing.ts';
import { notifySection } from './sections/notify.ts';
import { rotationSection } from './sections/rotation.ts';
import { wallboardSection } from './sections/wallboard.ts';
import { metricsSection } from './sections/metrics.ts';
import { webSection } from './sections/web.ts';
import { clusterSection } from './sections/cluster.ts';
import { logSection } from './sections/log.ts';

/**
 * The schema of conf/custody.toml. Strict objects everywhere: a misspelt key is an error with its
 * path, never silently ignored. Snake case mirrors the file; `load.ts` hands out the parsed,
 * frozen object. Every section and key carries a `.describe()` text: docs/configuration.md is
 * generated from them (`npm run docs:config`), and a test fails when a key has none or the page
 * is out of date.
 */
export const configSchema = z
  .strictObject({
    server: serverSection,
    storage: storageSection,
    crypto: cryptoSection,
    security: securitySection,
    vault: vaultSection,
    audit: auditSection,
    recordings: recordingsSection,
    telnet: telnetSection,
    gateway: gatewaySection,
    rdp: rdpSection,
    quality_exit: qualityExitSection,
    ticketing: ticketingSection,
    notify: notifySection,
    rotation: rotationSection,
    wallboard: wallboardSection,
    metrics: metricsSection,
    web: webSection,
    cluster: clusterSection,
    log: logSection,
  })
  .refine((c) => c.cluster.redis_url === '' || c.storage.driver === 'postgres', {
    message: 'cluster mode needs [storage] driver = "postgres": every node must share the same database',
    path: ['cluster', 'redis_url'],
  })
  .describe(
    'The configuration file, conf/custody.toml. Every key is validated at start: an unknown key or a bad value stops the program with the key’s path and the reason. Relative paths are relative to the home folder.',
  );

export type CustodyConfig = z.infer<typeof configSchema>;
