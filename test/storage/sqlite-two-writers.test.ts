// Two connections on one SQLite file, as the server and a CLI command beside it have: transactions
// that read and then write (a reveal: read the account, write recents and the audit row) must wait
// for each other, never fail with SQLITE_BUSY.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

describe('SQLite: two writers on one file', () => {
  let v: TestVault;
  let second: Core;

  beforeAll(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
    for (let i = 0; i < 10; i++)
      await v.core.accounts.add(v.host, 'web01', `acct${i}`, pw('Tg7#Kp2$Wm9!Lq4&Zx5v'));
    ({ core: second } = await openCore({ home: v.home }));
  });
  afterAll(async () => {
    await second?.close();
    await v.close();
  });

  it('interleaved read-then-write transactions from two connections all succeed', async () => {
    const jobs = [];
    for (let round = 0; round < 10; round++)
      for (const core of [v.core, second])
        jobs.push(core.accounts.reveal(v.host, `web01/acct${round}`, 'two writers').then((s) => s.length));
    const results = await Promise.allSettled(jobs);
    const failures = results.flatMap((r) =>
      r.status === 'rejected' ? [String((r.reason as Error).message)] : [],
    );
    expect(failures).toEqual([]);
    const rows = await v.core.audit.query(v.host, { type: 'password.access', limit: 100 });
    expect(rows).toHaveLength(20);
    expect((await v.core.audit.verify(v.host)).ok).toBe(true);
  });
});
