import { z } from 'zod';

/**
 * The [cluster] table: cluster mode (shared PostgreSQL and Redis).
 * Its own file so the keys of one TOML table are read, and changed, in one place; schema.ts
 * composes the tables into the whole file's schema.
 */
// Cluster mode: on when redis_url is set (and [storage] names PostgreSQL); without it a node is
// on its own, with the in-process live registry and no service to run.
export const clusterSection = z
  .strictObject({
    redis_url: z
      .string()
      .default('')
      .refine((v) => v === '' || /^rediss?:\/\/[^:@/]*(:\d+)?(\/\d+)?$/.test(v), {
        message: 'must be a redis:// or rediss:// URL without a password',
      })
      .describe(
        'Redis for presence and the command bus between nodes (redis://host:port); empty: single node.',
      ),
    node_name: z
      .string()
      .max(100)
      .regex(/^$|^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
        message: 'letters, digits, dot, dash and underscore only',
      })
      .default('')
      .describe(
        'This node in the cluster (unique per node); empty: the host name and SSH port; `custody server --node-name` overrides it.',
      ),
    advertise_address: z
      .string()
      .default('')
      .refine((v) => v === '' || /^[^\s:]+:\d{1,5}$/.test(v), { message: 'must be HOST:PORT' })
      .describe('HOST:PORT other nodes reach this node at, over mutual TLS (node-to-node streams).'),
  })
  .prefault({})
  .describe('Cluster mode: several nodes on one PostgreSQL and one Redis.');
