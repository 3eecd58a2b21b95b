// Among 1,000 one-hour recordings made through the gateway's recorder and indexer on a
// manual clock, search finds the command typed 40 minutes into one of them — from core, and in
// the console, whose player then opens at that moment, paused, with the command on the screen —
// and the player lists the recording's markers and jumps between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers, type Actor } from '../../core/index.ts';
import { makeOneHourSessions, type OneHourSessions } from '../../bench/recordings/one-hour-sessions.ts';
import { KEYS, manualTimers, openConsole } from '../support/console-harness.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const NEEDLE = 'grep -c FAILED /var/log/auth.log.7';

describe('search over 1,000 one-hour recordings', () => {
  let v: TestVault;
  let auditor: Actor;
  let made: OneHourSessions;

  beforeAll(async () => {
    const timers = new ManualTimers('2026-03-01T00:00:00Z');
    v = await createTestVault({ clock: timers });
    auditor = await v.addUser('audrey', 'auditor');
    made = await makeOneHourSessions(v.core, timers, { count: 1000, needle: NEEDLE, needleIndex: 617 });
  }, 600_000);
  afterAll(async () => v?.close());

  it('finds the command typed 40 minutes into one recording, with its offset', async () => {
    expect((await v.core.recordings.list(v.host, { limit: 10_000 })).length).toBe(1000);
    const hits = await v.core.recordingSearch.search(auditor, 'FAILED /var/log/auth.log.7');
    expect(new Set(hits.map((h) => h.recordingId))).toEqual(new Set([made.needleIn]));
    expect(hits.find((h) => h.kind === 'command')).toMatchObject({ offset: 2400, line: NEEDLE });
    // Everyday commands match in many recordings: the index is not empty elsewhere.
    expect(
      (await v.core.recordingSearch.search(auditor, 'systemctl status nginx', { limit: 1000 })).length,
    ).toBeGreaterThan(100);
  });

  it('the console searches, opens the player at that moment, and lists and jumps between markers', async () => {
    const timers = manualTimers();
    const c = await openConsole(v.core, auditor, { cols: 120, rows: 30, options: { timers } });
    try {
      await c.waitFor('Custody · audrey (auditor)');
      await c.press(KEYS.tab, KEYS.tab);
      await c.waitFor(/1000 recordings/);
      await c.press('s', ...'auth.log.7', KEYS.enter);
      const results = await c.waitFor(/\d+ match(es)? for "auth\.log\.7"/);
      expect(results).toMatch(/› .*0:40:00 .*\$ grep -c FAILED \/var\/log\/auth\.log\.7/);
      await c.press(KEYS.enter);
      // Paused at 40:00 of the hour, the command on the screen where the operator typed it.
      const opened = await c.waitFor(/❚❚ 40:00 \/ 1:00:00/);
      expect(opened).toContain(`user@web01:~$ ${NEEDLE}`);
      expect(opened).toMatch(/◆ \$ grep -c FAILED/);
      await c.press('m');
      const list = await c.waitFor(/›\s+40:00\s+\$ grep -c FAILED/);
      expect(list).toMatch(/35:00\s+\$ /);
      await c.press(']');
      await c.waitFor(/❚❚ 45:00 \/ 1:00:00/);
      await c.press('[', '[');
      await c.waitFor(/❚❚ 35:00 \/ 1:00:00/);
      await c.press(KEYS.escape);
      await c.waitFor(/match(es)? for "auth\.log\.7"/);
      await c.press(KEYS.escape);
      await c.waitFor(/1000 recordings/);
    } finally {
      await c.close();
    }
    const searches = await v.core.audit.query(v.host, {
      type: 'recording.search',
      actor: 'audrey',
      limit: 10,
    });
    expect(searches.map((r) => JSON.parse(r.details).text)).toContain('auth.log.7');
  });
});
