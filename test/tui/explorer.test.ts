// The password explorer rendered into a headless terminal: views, type-to-search, groups,
// favourites, what each role sees, sizes and resizes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/index.ts';
import { KEYS, openConsole } from '../support/console-harness.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const PASSWORD = 'Xr4#mQ9!vL2$pT7w';

describe('console: password explorer', () => {
  let v: TestVault;
  let alice: Actor;

  beforeAll(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, {
      name: 'web01',
      type: 'linux',
      dnsName: 'web01.prod.example',
      description: 'payments front end',
    });
    await v.core.resources.create(v.host, {
      name: 'db01',
      type: 'linux',
      dnsName: 'db01.prod.example',
      description: 'ledger database',
    });
    await v.core.resources.create(v.host, {
      name: 'lab7',
      type: 'linux',
      dnsName: 'lab7.test.example',
      description: 'scratch box',
    });
    for (const [r, a] of [
      ['web01', 'root'],
      ['web01', 'deploy'],
      ['db01', 'postgres'],
      ['lab7', 'root'],
    ] as const)
      await v.core.accounts.add(v.host, r, a, pw(PASSWORD));
    // Custom fields are searched too; a password-kind field never is.
    await v.core.catalog.addField(v.host, 'account', 'Cost centre', 'text');
    await v.core.catalog.addField(v.host, 'account', 'Recovery code', 'password');
    await v.core.accounts.add(v.host, 'lab7', 'svc', pw(PASSWORD), {
      custom: { 'Cost centre': 'CC-4711-finance', 'Recovery code': 'hidden-RC-9931' },
    });
    alice = await v.addUser('alice', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: 'web01/deploy' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await v.core.groups.create(v.host, { name: 'databases', kind: 'static' });
    await v.core.groups.addResource(v.host, 'databases', 'db01');
  });
  afterAll(async () => v.close());

  it('opens on All while the user has no favourites, and narrows as you type', async () => {
    const c = await openConsole(v.core, v.host);
    try {
      const first = await c.waitFor('All · 5 accounts');
      expect(first).not.toContain('No favourites yet');
      await c.press(KEYS.left);
      expect(await c.waitFor('Favourites · 0 rows')).toContain('No favourites yet');
      await c.press(KEYS.right);
      await c.waitFor('All · 5 accounts');
      // Description, DNS name and account name all match.
      await c.press(...'ledger');
      let f = await c.waitFor(/All · 1 account$/m);
      expect(f).toContain('› db01/postgres');
      await c.press(KEYS.escape);
      await c.waitFor('All · 5 accounts');
      await c.press(...'4711-fin');
      expect(await c.waitFor('All · 1 account')).toContain('› lab7/svc');
      await c.press(KEYS.escape, ...'rc-9931');
      expect(await c.waitFor('All · 0 accounts')).toContain('Nothing matches.');
      await c.press(KEYS.escape);
      await c.waitFor('All · 5 accounts');
      await c.press(...'prod.ex');
      f = await c.waitFor('All · 3 accounts');
      expect(f).not.toContain('lab7/');
      await c.press(...Array(7).fill(KEYS.backspace), ...'deploy');
      f = await c.waitFor('All · 1 account');
      expect(f).toContain('web01/deploy');
    } finally {
      await c.close();
    }
  });

  it('Ctrl-F makes a favourite; Groups opens a group’s accounts', async () => {
    const c = await openConsole(v.core, v.host);
    try {
      await c.waitFor('All · 5 accounts');
      await c.press(...'lab7');
      await c.waitFor('› lab7/root');
      await c.press(KEYS.ctrlF);
      await c.waitFor('lab7/root added to favourites');
      await c.press(KEYS.escape, KEYS.left);
      const favs = await c.waitFor('Favourites · 1 row');
      expect(favs).toContain('› lab7/root');
      await c.press(KEYS.right, KEYS.right, KEYS.right);
      await c.waitFor('databases');
      await c.press(...'datab');
      await c.waitFor(/› .*databases/);
      await c.press(KEYS.enter);
      const g = await c.waitFor(/Group databases · 1 account[\s\S]*db01\/postgres/);
      expect(g).not.toContain('web01/root');
    } finally {
      await c.close();
    }
  });

  it('a password user sees only what is shared with them, and only the screens of the role', async () => {
    const c = await openConsole(v.core, alice);
    try {
      const f = await c.waitFor('Custody · alice (password-user)');
      expect(f).toContain('Passwords');
      expect(f).toContain('Access');
      for (const hidden of ['Live', 'Recordings', 'Audit', 'Admin']) expect(f).not.toContain(` ${hidden} `);
      const all = await c.waitFor('All · 1 account');
      expect(all).toContain('web01/deploy');
      expect(all).not.toContain('web01/root');
      // A search for an account she may not see finds nothing, the same as one that does not exist.
      await c.press(...'postgres');
      expect(await c.waitFor('All · 0 accounts')).toContain('Nothing matches.');
    } finally {
      await c.close();
    }
  });

  it('fits 80×24, stays readable at 40×10, and redraws on resize', async () => {
    const c = await openConsole(v.core, v.host, { cols: 80, rows: 24 });
    try {
      let f = await c.waitFor('Favourites');
      const lines = f.split('\n');
      expect(lines[0]).toMatch(/^Custody · host:tester/);
      expect(lines[23]).toMatch(/help/);
      c.resize(40, 10);
      f = await c.waitFor(/^Custody · host:tester\s+Passwords\s+Tab ›/);
      await c.waitFor('Search:');
      const small = c.frame().split('\n');
      expect(small).toHaveLength(10);
      expect(small[0]).toMatch(/^Custody/);
      expect(small.every((l) => l.length <= 40)).toBe(true);
      c.resize(120, 30);
      // The status line moves to the new bottom row (row 30).
      const big = await c.waitFor(/^(?:[^\n]*\n){29}\? help/);
      expect(big.split('\n')[0]).toMatch(/Passwords\s+Access\s+Live/);
    } finally {
      await c.close();
    }
  });

  it('honours NO_COLOR: no colour escapes at all, selection by inverse video', async () => {
    const plain = await openConsole(v.core, v.host, { noColor: true });
    const coloured = await openConsole(v.core, v.host);
    try {
      await coloured.waitFor('Favourites');
      await plain.showAll();
      await plain.waitFor('› ');
      // SGR 30–37 / 39 / 90–97 are foreground colours; 40–47 / 49 background.
      const sgr = (codes: string) => new RegExp(`${String.fromCharCode(27)}\\[(${codes})m`);
      expect(plain.written()).not.toMatch(sgr('3[0-9]|4[0-9]|9[0-7]'));
      expect(plain.written()).toMatch(sgr('7'));
      expect(coloured.written()).toMatch(sgr('36'));
    } finally {
      await plain.close();
      await coloured.close();
    }
  });

  it('the help overlay lists the bindings from the key table and closes on any key', async () => {
    const c = await openConsole(v.core, v.host);
    try {
      await c.waitFor('Favourites');
      await c.press('?');
      const help = await c.waitFor('Keys here');
      expect(help).toMatch(/Ctrl-F\s+add to \/ remove from favourites/);
      expect(help).toMatch(/Tab\s+next screen/);
      await c.press('x');
      await c.waitForGone('Keys here');
    } finally {
      await c.close();
    }
  });

  it('with favourites it opens on Favourites; a search there looks across all accounts; Tab moves on', async () => {
    // The host made lab7/root a favourite above.
    const c = await openConsole(v.core, v.host, { cols: 100 });
    try {
      const favs = await c.waitFor('Favourites · 1 row');
      expect(favs).toContain('› lab7/root');
      await c.press(...'ledger');
      const found = await c.waitFor(/All accounts · 1 account$/m);
      expect(found).toContain('› db01/postgres');
      expect(found).not.toContain('Nothing matches.');
      await c.press(KEYS.escape);
      await c.waitFor('Favourites · 1 row');
      // Tab is no text: with the search line full it still moves to the next screen.
      await c.press(...'web', KEYS.tab);
      await c.waitFor('My requests');
      await c.press(KEYS.shiftTab);
      await c.waitFor('Search:');
    } finally {
      await c.close();
    }
  });
});
