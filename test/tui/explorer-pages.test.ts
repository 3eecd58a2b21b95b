// The explorer's All list is read page by page from the core: a list longer than one page shows
// its count at once, and rows beyond the first page appear when the cursor reaches them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Resource } from '../../core/index.ts';
import { PAGE_SIZE } from '../../tui/model/account-pages.ts';
import { contextOf } from '../support/core-internals.ts';
import { KEYS, openConsole } from '../support/console-harness.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const ACCOUNTS = PAGE_SIZE * 2 + 37;

describe('console: All over pages', () => {
  let v: TestVault;

  beforeAll(async () => {
    v = await createTestVault();
    const ctx = contextOf(v.core);
    const type = (await ctx.store.read((r) => r.types.byName('linux')))!;
    const now = ctx.now();
    await ctx.store.tx(async (r) => {
      const resource: Resource = {
        id: ctx.ids.next(),
        name: 'farm',
        typeId: type.id,
        dnsName: 'farm.example',
        port: 22,
        description: '',
        department: '',
        location: '',
        url: '',
        domainName: '',
        policyId: null,
        ownerId: v.host.user.id,
        allowPortForwarding: false,
        createdAt: now,
        updatedAt: now,
      };
      await r.resources.insert(resource);
      for (let i = 0; i < ACCOUNTS; i++) {
        const account: Account = {
          id: ctx.ids.next(),
          resourceId: resource.id,
          name: `node${String(i).padStart(4, '0')}`,
          notes: '',
          passwordEnc: 'never-revealed-here',
          passwordChangedAt: now,
          passwordChangedBy: v.host.name,
          credentialKind: 'password',
          createdAt: now,
        };
        await r.accounts.insert(account);
      }
    });
  });
  afterAll(async () => v.close());

  it('counts every account at once, and End shows the last row of the last page', async () => {
    const c = await openConsole(v.core, v.host, { cols: 100, rows: 24 });
    try {
      const first = await c.waitFor(`All · ${ACCOUNTS} accounts`);
      expect(first).toContain('› farm/node0000');
      expect(first).not.toContain(`farm/node${String(ACCOUNTS - 1).padStart(4, '0')}`);
      await c.press('\x1b[F');
      await c.waitFor(`› farm/node${String(ACCOUNTS - 1).padStart(4, '0')}`);
      await c.press(KEYS.up);
      await c.waitFor(`› farm/node${String(ACCOUNTS - 2).padStart(4, '0')}`);
      // A search narrows over the database, across pages.
      await c.press(...'node03');
      const f = await c.waitFor(/Search: node03[\s\S]*All · 100 accounts/);
      expect(f).toContain('› farm/node0300');
    } finally {
      await c.close();
    }
  });
});
