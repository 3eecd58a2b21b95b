// The search index and legal holds (migration 013) on both backends: what a session showed and
// typed is found by a phrase with its time offset, filters narrow it, a password typed with echo
// off is never indexed, purge removes a recording's files, row and index lines but never one on
// hold, and retention purges once a day.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualTimers } from '../../core/index.ts';
import { contextOf } from '../support/core-internals.ts';
import { storageDrivers } from '../support/drivers.ts';
import { openIndexedSession, typeCommand } from '../support/indexed-session.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const DAY = 86_400_000;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}

for (const driver of storageDrivers()) {
  describe(`recording search on ${driver.name}`, () => {
    let v: TestVault;
    let timers: ManualTimers;
    afterEach(async () => v?.close());

    const open = async (extra: Record<string, string | number | boolean> = {}) => {
      const url = await driver.freshDatabase();
      timers = new ManualTimers('2026-06-01T08:00:00Z');
      v = await createTestVault({
        clock: timers,
        ...(url ? { postgresUrl: url } : {}),
        extraConfig: { recordings: extra },
      });
    };

    /** One session: `ls` at once, then at `minutes` the given command, then a sudo password. */
    const session = async (user: string, target: string, minutes: number, command: string) => {
      const rec = await openIndexedSession(v.core, timers, { user, target });
      rec.output(Buffer.from('Welcome to web01\r\nuser@web01:~$ '));
      typeCommand(rec, 'ls', ['notes.txt']);
      timers.advance(minutes * 60_000);
      typeCommand(rec, command, ['done']);
      timers.advance(5_000);
      // sudo asks for a password and does not echo it: typed, never shown.
      rec.input(Buffer.from('sudo true\r'));
      rec.output(Buffer.from('sudo true\r\n[sudo] password for user: '));
      rec.input(Buffer.from('Hunter2-not-indexed\r'));
      rec.output(Buffer.from('\r\nuser@web01:~$ '));
      timers.advance(1_000);
      await rec.close();
      return rec.id!;
    };

    it('finds a typed command and a shown line by phrase, with the offset, newest first and filtered', async () => {
      await open();
      const a = await session('alice', 'web01/root', 7, 'tail -n 20 /var/log/audit.log');
      timers.advance(DAY);
      const b = await session('bob', 'db01/dba', 3, 'tail -n 20 /var/log/audit.log');

      const hits = await v.core.recordingSearch.search(v.host, 'audit.log');
      const commands = hits.filter((h) => h.kind === 'command');
      expect(commands.map((h) => [h.recordingId, h.offset, h.line, h.user])).toEqual([
        [b, 180, 'tail -n 20 /var/log/audit.log', 'bob'],
        [a, 420, 'tail -n 20 /var/log/audit.log', 'alice'],
      ]);
      // The echoed line, as the terminal showed it, prompt and all.
      expect(
        hits.some((h) => h.kind === 'screen' && h.line === 'user@web01:~$ tail -n 20 /var/log/audit.log'),
      ).toBe(true);
      expect((await v.core.recordingSearch.search(v.host, 'Welcome to web01')).length).toBeGreaterThan(0);
      // Words in another order are not the phrase.
      expect(await v.core.recordingSearch.search(v.host, 'web01 Welcome')).toEqual([]);

      const byUser = await v.core.recordingSearch.search(v.host, 'audit.log', { user: 'alice' });
      expect(new Set(byUser.map((h) => h.recordingId))).toEqual(new Set([a]));
      const byResource = await v.core.recordingSearch.search(v.host, 'audit.log', { resource: 'db01' });
      expect(new Set(byResource.map((h) => h.recordingId))).toEqual(new Set([b]));
      const since = new Date(timers.now().getTime() - DAY / 2).toISOString();
      expect(
        new Set(
          (await v.core.recordingSearch.search(v.host, 'audit.log', { since })).map((h) => h.recordingId),
        ),
      ).toEqual(new Set([b]));
      // Query syntax is text: quotes, stars and operators are not interpreted.
      expect(await v.core.recordingSearch.search(v.host, '"audit" OR * NEAR(')).toEqual([]);

      // The password typed with echo off is in no index row; the sudo command is.
      expect(await v.core.recordingSearch.search(v.host, 'Hunter2')).toEqual([]);
      expect(
        (await v.core.recordingSearch.search(v.host, 'sudo true')).some((h) => h.kind === 'command'),
      ).toBe(true);

      // Detected commands and markers, for the player's list.
      const markers = await v.core.recordingSearch.markers(v.host, a);
      expect(markers.map((m) => [m.offset, m.kind, m.label])).toContainEqual([
        420,
        'command',
        'tail -n 20 /var/log/audit.log',
      ]);
      const audit = await v.core.audit.query(v.host, { type: 'recording.search', limit: 50 });
      expect(audit.length).toBeGreaterThanOrEqual(7);
    });

    it('purge removes files, row and index lines of old recordings, but never one on legal hold', async () => {
      await open();
      const old = await session('alice', 'web01/root', 1, 'cat /etc/old-secret-plan');
      const held = await session('alice', 'web01/root', 1, 'cat /etc/held-plan');
      timers.advance(40 * DAY);
      const fresh = await session('alice', 'web01/root', 1, 'cat /etc/fresh-plan');
      await v.core.recordingRetention.hold(v.host, held, 'litigation 2026-17');
      const recordingsDir = contextOf(v.core).deps.recordingsDir!;
      const before = await filesUnder(recordingsDir);
      expect(before.filter((f) => f.includes(old)).length).toBeGreaterThan(0);

      const result = await v.core.recordingRetention.purge(v.host, 30);
      expect(result.purged).toEqual([old]);
      expect(result.held).toEqual([held]);
      expect((await v.core.recordings.list(v.host)).map((r) => r.id).sort()).toEqual([held, fresh].sort());
      expect((await filesUnder(recordingsDir)).filter((f) => f.includes(old))).toEqual([]);
      expect(await v.core.recordingSearch.search(v.host, 'old-secret-plan')).toEqual([]);
      expect(await v.core.recordingSearch.search(v.host, 'held-plan')).not.toEqual([]);
      const [row] = await v.core.audit.query(v.host, { type: 'recording.purge', limit: 5 });
      expect(row).toMatchObject({ targetName: old, code: 'V223' });

      await v.core.recordingRetention.release(v.host, held);
      expect((await v.core.recordingRetention.purge(v.host, 30)).purged).toEqual([held]);
      const codes = (await v.core.audit.query(v.host, { target: held, limit: 10 })).map((r) => r.code);
      expect(codes).toEqual(expect.arrayContaining(['V221', 'V222', 'V223']));
    });

    it('the daily retention pass purges at retention_days, once a day; 0 keeps everything', async () => {
      await open({ retention_days: 10 });
      const old = await session('alice', 'web01/root', 1, 'echo old');
      timers.advance(11 * DAY);
      const kept = await session('alice', 'web01/root', 1, 'echo kept');
      expect((await v.core.retentionJob.tick(v.host))?.purged).toEqual([old]);
      // Same day: nothing runs again.
      expect(await v.core.retentionJob.tick(v.host)).toBeUndefined();
      timers.advance(11 * DAY);
      expect((await v.core.retentionJob.tick(v.host))?.purged).toEqual([kept]);
      const [row] = await v.core.audit.query(v.host, { type: 'recording.purge', limit: 1 });
      expect(JSON.parse(row!.details)).toMatchObject({ by: 'retention', olderThanDays: 10 });
    });

    it('in a cluster the daily pass purges only the recordings whose files this node holds', async () => {
      await open({ retention_days: 10 });
      const mine = await session('alice', 'web01/root', 1, 'echo mine');
      const theirs = await session('alice', 'web01/root', 1, 'echo theirs');
      timers.advance(11 * DAY);
      // Another node's recording (its file is on that node's disk) is left to that node.
      const result = await v.core.retentionJob.tick(v.host, async (row) => row.id !== theirs);
      expect(result?.purged).toEqual([mine]);
      expect((await v.core.recordings.list(v.host)).map((r) => r.id)).toEqual([theirs]);
    });

    it('with search_index off nothing is indexed, and commands are still marked in the recording', async () => {
      await open({ search_index: false });
      const id = await session('alice', 'web01/root', 2, 'uptime');
      expect(await v.core.recordingSearch.search(v.host, 'uptime')).toEqual([]);
      const exp = await v.core.recordings.export(v.host, id);
      const text = await new Promise<string>((resolve, reject) => {
        let s = '';
        exp
          .open()
          .on('data', (c) => (s += String(c)))
          .on('end', () => resolve(s))
          .on('error', reject);
      });
      expect(text).toMatch(/"m", ?"command: uptime"/);
    });
  });
}
