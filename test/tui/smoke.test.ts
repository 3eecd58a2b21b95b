import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestVault, type TestVault } from '../support/vault.ts';
import { KEYS, openConsole } from '../support/console-harness.ts';

describe('console smoke', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault();
  });
  afterAll(async () => v.close());

  it('tabs', async () => {
    const c = await openConsole(v.core, v.host);
    await c.waitFor('Favourites');
    await c.press(KEYS.tab);
    const f = await c.waitFor('My requests');
    expect(f).toContain('Access');
    await c.close();
  });
});
