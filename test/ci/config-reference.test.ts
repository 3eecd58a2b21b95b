// docs/configuration.md is the configuration schema's own reference: generated from
// core/config/schema.ts (`npm run docs:config`), so this fails when the page is out of date, when a
// key of the schema is missing from it, or when a key has no description.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CONFIG_REFERENCE_FILE, configReference } from '../../bin/config-reference.ts';
import { UndescribedConfigKeyError, renderConfigReference } from '../../core/config/reference.ts';
import { configSchema } from '../../core/config/schema.ts';

describe('the configuration reference', () => {
  it('is up to date with the schema (run `npm run docs:config` when this fails)', async () => {
    expect(readFileSync(CONFIG_REFERENCE_FILE, 'utf8')).toBe(await configReference());
  });

  it('has a row, with type, default and description, for every key the schema accepts', () => {
    const page = readFileSync(CONFIG_REFERENCE_FILE, 'utf8');
    const defaults = configSchema.parse({}) as Record<string, Record<string, unknown>>;
    let keys = 0;
    for (const [section, values] of Object.entries(defaults)) {
      const start = page.indexOf(`## [${section}]`);
      expect(start, section).toBeGreaterThan(0);
      const next = page.indexOf('\n## ', start + 1);
      const body = page.slice(start, next === -1 ? undefined : next);
      for (const key of Object.keys(values)) {
        const row = body.split('\n').find((l) => l.startsWith(`| \`${key}\` `));
        expect(row, `${section}.${key}`).toBeDefined();
        expect(row!.split(' | ').length, `${section}.${key}`).toBe(4);
        keys++;
      }
    }
    expect(keys).toBeGreaterThan(60);
  });

  it('writes defaults as they are written in conf/custody.toml', () => {
    const page = readFileSync(CONFIG_REFERENCE_FILE, 'utf8');
    expect(page).toMatch(/\| `ssh_port` +\| integer, 0–65535 +\| `2222` +\|/);
    expect(page).toMatch(/\| `driver` +\| `"sqlite"` or `"postgres"` +\| `"sqlite"` +\|/);
    expect(page).toContain('`"password\\\\s*:\\\\s*$"`');
    expect(page).toContain('`["owner", "shared", "admins"]`');
  });

  it('refuses a key without a description, naming it', () => {
    const undescribed = z
      .strictObject({
        server: z
          .strictObject({
            ssh_port: z.number().default(1).describe('a port'),
            nameless: z.string().default(''),
          })
          .describe('x'),
      })
      .describe('a file');
    expect(() => renderConfigReference(undescribed)).toThrow(UndescribedConfigKeyError);
    expect(() => renderConfigReference(undescribed)).toThrow('server.nameless');
  });
});
