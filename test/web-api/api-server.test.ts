// `custody server --web-port 0` serves the REST API: a key made with `custody apikey add` fetches
// a password over HTTPS from the real server process, and a revoked key is refused.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebBastion, type WebBastion } from '../support/web.ts';

const PASSWORD = 'Sv4#Server-Api-Pw-2026';
let b: WebBastion;

beforeAll(async () => {
  b = await startWebBastion({
    prepare: async ({ home, cli }) => {
      await writeFile(path.join(home, 'acct.pw'), PASSWORD);
      for (const args of [
        ['resource', 'add', 'db01', '--type', 'linux', '--host', 'db01.example'],
        ['account', 'add', 'db01', 'app', '--password-file', path.join(home, 'acct.pw')],
        ['apikey', 'add', 'deploy', '--user', 'admin', '--key-file', path.join(home, 'deploy.key')],
      ]) {
        const r = await cli(args);
        if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
      }
    },
  });
}, 120_000);
afterAll(async () => b?.stop());

it('answers a retrieval with the key from apikey add, and 401 once the key is revoked', async () => {
  const key = (await readFile(path.join(b.home, 'deploy.key'), 'utf8')).trim();
  const auth = { headers: { authorization: `Bearer ${key}` } };
  const r = await b.request('/api/v1/passwords/db01/app', auth);
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ password: PASSWORD });
  expect(r.headers['cache-control']).toBe('no-store');
  expect((await b.request('/api/v1/openapi.json')).json).toMatchObject({ openapi: '3.1.0' });
  expect((await b.cli(['apikey', 'revoke', 'deploy'])).code).toBe(0);
  const refused = await b.request('/api/v1/passwords/db01/app', auth);
  expect(refused.status).toBe(401);
  expect(refused.json).toMatchObject({ error: { code: 'E_AUTH' } });
  expect(refused.body).not.toContain(PASSWORD);
}, 60_000);
