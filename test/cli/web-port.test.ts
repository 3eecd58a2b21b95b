// `--web-port` is refused until the web listener exists: an option accepted and ignored would let
// an operator believe something listens on that port. The refusal comes before the node opens
// anything, so an empty home stays empty.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'custody-web-port-'));
});
afterAll(async () => rm(home, { recursive: true, force: true }));

it('server --web-port is a one-line usage error (exit 2) and starts nothing', async () => {
  const r = await custody(['--home', home, 'server', '--ssh-port', '0', '--web-port', '7272']);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    'custody: E_USAGE: --web-port: the web listener is not available yet in this version\n',
  );
  expect(await readdir(home)).toEqual([]);
}, 60_000);

it('server --help does not offer --web-port', async () => {
  const r = await custody(['server', '--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('--ssh-port');
  expect(r.stdout).not.toContain('web');
}, 60_000);
