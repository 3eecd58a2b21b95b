// The cluster configuration: absent, a node is on its own (SQLite allowed, nothing to connect to);
// present, it needs PostgreSQL and well-formed values, each key described.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../core/index.ts';
import { configSchema } from '../../core/config/schema.ts';

const POSTGRES = '[storage]\ndriver = "postgres"\npostgres_url = "postgres://custody@db.example/custody"\n';

describe('cluster configuration', () => {
  it('is off by default: SQLite and no cluster services', () => {
    const c = parseConfig('', 'custody.toml');
    expect(c.cluster).toEqual({ redis_url: '', node_name: '', advertise_address: '' });
    expect(c.storage.driver).toBe('sqlite');
  });

  it('turns on with PostgreSQL and a Redis URL, naming the node and where others reach it', () => {
    const c = parseConfig(
      `${POSTGRES}[cluster]\nredis_url = "redis://10.0.0.5:6379"\nnode_name = "bastion-2"\nadvertise_address = "10.0.0.12:7443"\n`,
      'custody.toml',
    );
    expect(c.cluster).toEqual({
      redis_url: 'redis://10.0.0.5:6379',
      node_name: 'bastion-2',
      advertise_address: '10.0.0.12:7443',
    });
  });

  it.each([
    [
      '[cluster]\nredis_url = "redis://r:6379"',
      'cluster.redis_url: cluster mode needs [storage] driver = "postgres"',
    ],
    [
      `${POSTGRES}[cluster]\nredis_url = "redis://:pw@r:6379"`,
      'cluster.redis_url: must be a redis:// or rediss:// URL',
    ],
    [`${POSTGRES}[cluster]\nredis_url = "http://r"`, 'cluster.redis_url: must be a redis://'],
    [`${POSTGRES}[cluster]\nnode_name = "a b"`, 'cluster.node_name: letters, digits'],
    [`${POSTGRES}[cluster]\nadvertise_address = "10.0.0.12"`, 'cluster.advertise_address: must be HOST:PORT'],
    [`${POSTGRES}[cluster]\nredis = "redis://r"`, 'cluster.redis: unknown key'],
  ])('rejects %j naming the key and the reason', (text, expected) => {
    expect(() => parseConfig(text, 'custody.toml')).toThrow(ConfigError);
    expect(() => parseConfig(text, 'custody.toml')).toThrow(expected);
  });

  it('describes every cluster key', () => {
    const cluster = configSchema.shape.cluster.unwrap().shape;
    for (const [key, schema] of Object.entries(cluster)) expect(schema.description, key).toMatch(/\w{3,}/);
  });
});
