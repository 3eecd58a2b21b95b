import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, openConsole } from '../support/console-harness.ts';
import { registerFake } from '../support/live.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

describe('live sessions of every kind', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault();
    const registry = v.core.system.liveRegistry;
    await registerFake(registry, {
      id: 'fw-1',
      user: 'alice',
      target: 'web01/deploy',
      kind: 'forward',
      forward: 'web01.example:8080',
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    await registerFake(
      registry,
      { id: 'sh-1', user: 'bob', target: 'web02/root', startedAt: '2026-01-01T00:00:01.000Z' },
      [],
      'bob$ ',
    );
    await registerFake(registry, {
      id: 'op-1',
      user: 'carol',
      target: 'db01/dba',
      state: 'opening',
      startedAt: '2026-01-01T00:00:02.000Z',
    });
  });
  afterAll(async () => v.close());

  it('a port forward cannot be shadowed: the refusal says it has no screen; a shell can', async () => {
    const me = v.core.as(v.host);
    await expect(me.live.shadow('fw-1')).rejects.toMatchObject({
      code: 'E_VALIDATION',
      message: "session 'fw-1' is a port forward: it has no screen to shadow",
    });
    const shell = await me.live.shadow('sh-1');
    const first = await shell[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ type: 'screen', resync: false });
    expect(String((first.value as { data: Buffer }).data)).toBe('bob$ ');
    await shell.leave();
  });

  it("the console's Live screen names a forward's far end and an opening session, and says why a forward is not shadowed", async () => {
    const c = await openConsole(v.core, v.host, { cols: 140, rows: 24 });
    try {
      await c.waitFor('Search:');
      await c.send(KEYS.tab, KEYS.tab);
      const list = await c.waitFor('3 live sessions');
      expect(list).toMatch(/alice\s+web01\/deploy\s+forward → web01\.example:8080\s+since/);
      expect(list).toMatch(/bob\s+web02\/root\s+ssh\s+since/);
      expect(list).toMatch(/carol\s+db01\/dba\s+ssh\s+\(opening\)/);
      await c.press('s');
      await c.waitFor('it has no screen to shadow');
    } finally {
      await c.close();
    }
  });
});
