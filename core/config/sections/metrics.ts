import { z } from 'zod';

/**
 * The [metrics] table: Prometheus metrics on the web listener.
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
export const metricsSection = z
  .strictObject({
    allow_from: z
      .array(
        z
          .string()
          .min(2)
          .max(50)
          .regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, { message: 'must be an IP address or a CIDR block' }),
      )
      .max(100)
      .default(['127.0.0.1', '::1'])
      .describe(
        'Addresses (exact IPv4 or IPv6, or CIDR blocks) allowed to scrape GET /metrics on the web listener without an API key; anyone else gets 403. /healthz and /readyz answer everyone.',
      ),
  })
  .prefault({})
  .describe('Prometheus metrics on the web listener.');
