// Text someone else chose (a user name typed at the login prompt, a reason, an audit detail) is
// shown neutralised on the console's screens: an ESC/OSC sequence cannot retitle or recolour the
// reader's terminal, and a newline cannot forge a row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, openConsole } from '../support/console-harness.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const EVIL = 'mallory\x1b]0;PWNED-TITLE\x07\x1b[31mRED\nforged-row';

describe('console: text someone else chose', () => {
  let v: TestVault;

  beforeAll(async () => {
    v = await createTestVault();
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
    await v.core.accounts.add(v.host, 'web01', 'deploy', pw('Zq8!foreign-Text42'));
    // What the gateway records for a login attempt with that name.
    await contextOf(v.core).auditAs(
      { name: EVIL, source: 'gateway' },
      'user.login',
      { kind: 'user', name: EVIL },
      'failure',
      {
        reason: `bad password for ${EVIL}`,
      },
    );
    const w = await v.core.recordings.open(
      {
        sessionId: 's-evil',
        user: EVIL,
        target: 'web01/deploy',
        protocol: 'ssh',
        cols: 60,
        rows: 10,
        source: 'test',
        startedAt: new Date(),
      },
      'strict',
    );
    w.output(Buffer.from('hello\r\n'));
    await w.close();
  });
  afterAll(async () => v.close());

  it('the Audit screen shows a user name with ESC ] 0;… BEL and a newline neutralised', async () => {
    const c = await openConsole(v.core, v.host, { cols: 160, rows: 30 });
    try {
      await c.waitFor('Search:');
      await c.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab);
      const f = await c.waitFor(/user\.login/);
      // The row that is selected shows its details on the bottom line; go to the login row.
      expect(f).toContain('mallory?]0;PWNED-TITLE??[31mRED?forged-row');
      expect(f).not.toMatch(/^forged-row/m);
      // Nothing the name carried reached the terminal as a control sequence.
      expect(c.written()).not.toContain('\x1b]0;PWNED');
      expect(c.written()).not.toContain('\x1b[31mRED');
      expect(c.written()).not.toContain('\nforged-row');
      // The Recordings list, one screen back, names the same user the same way.
      await c.press(KEYS.shiftTab);
      const rec = await c.waitFor('1 recording');
      expect(rec).toContain('mallory?]0;PWNED-TITLE??[31mRED?forged-row');
      expect(c.written()).not.toContain('\x1b]0;PWNED');
    } finally {
      await c.close();
    }
  });
});
