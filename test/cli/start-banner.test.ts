// `npm start` (`custody start`) after a restart: the banner still says how to log
// in — the generated password's file while it exists, else "log in as an existing user".
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCustodyServer } from '../support/custody-server.ts';
import { writeTestConfig } from '../support/vault.ts';

describe('custody start banner across restarts', () => {
  let home: string;
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('first start, restart with the password file, restart without it', async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-start-'));
    await writeTestConfig(home);
    const file = path.join(home, 'keys', 'initial-admin-password');
    const run = async () => {
      const s = await startCustodyServer(home, ['--ssh-port', '0'], 'start');
      expect(await s.stop()).toBe(0);
      return s.output();
    };
    expect(await run()).toContain(`(password: cat ${file})`);
    const again = await run();
    expect(again).toMatch(/Log in: {2}ssh -p \d+ admin@127\.0\.0\.1/);
    expect(again).toContain(`(the generated password, if not changed since: cat ${file})`);
    await rm(file);
    expect(await run()).toContain('(log in as an existing user; the generated password file was removed)');
  }, 150_000);
});
