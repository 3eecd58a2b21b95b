// `custody web link PATH` (another process than the server) prints a URL that signs the acting
// user in on the running listener once and lands on PATH; the second use is refused.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { USER_PASSWORD } from '../support/vault.ts';
import { startWebBastion, type WebBastion } from '../support/web.ts';

let b: WebBastion;
beforeAll(async () => {
  b = await startWebBastion({
    prepare: async ({ home, cli }) => {
      await writeFile(path.join(home, 'user.pw'), USER_PASSWORD);
      const r = await cli([
        'user',
        'add',
        'ava',
        '--role',
        'auditor',
        '--password-file',
        path.join(home, 'user.pw'),
      ]);
      if (r.code !== 0) throw new Error(r.stderr);
    },
  });
}, 90_000);
afterAll(async () => b?.stop());

const tokenPath = (url: string) => new URL(url).pathname;

it('the host administrator’s link works once, lands on PATH, and fails the second time', async () => {
  const r = await b.cli(['web', 'link', '/recordings/abc']);
  expect(r.code).toBe(0);
  const url = r.stdout.trim();
  expect(url).toMatch(new RegExp(`^https://localhost:${b.webPort}/link/[A-Za-z0-9_-]{43}$`));
  const first = await b.request(tokenPath(url));
  expect([first.status, first.headers.location]).toEqual([303, '/recordings/abc']);
  const cookie = ([] as string[]).concat(first.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
  expect((await b.request('/api/web/whoami', { cookie })).json).toEqual({ user: 'admin', role: 'admin' });
  const second = await b.request(tokenPath(url));
  expect(second.status).toBe(401);
  expect((second.json as { error: { code: string } }).error.code).toBe('E_AUTH');
  expect(second.headers['set-cookie']).toBeUndefined();
});

it('with --as, the link signs in that user, not the administrator', async () => {
  const r = await b.cli(['--as', 'ava', '--password-file', path.join(b.home, 'user.pw'), 'web', 'link', '/']);
  expect(r.code).toBe(0);
  const first = await b.request(tokenPath(r.stdout.trim()));
  const cookie = ([] as string[]).concat(first.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
  expect((await b.request('/api/web/whoami', { cookie })).json).toEqual({ user: 'ava', role: 'auditor' });
});

it('a landing path that is not local is a coded error and prints no URL', async () => {
  const r = await b.cli(['web', 'link', '//evil.example/']);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/E_VALIDATION: the landing path must be a local path/);
});
