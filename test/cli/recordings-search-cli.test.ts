// The real `custody recordings search | hold | release | holds | purge` against a home whose
// recordings were made through the gateway's recorder pair: offsets and lines as text and JSON,
// filters, a held recording surviving a purge, and the refusal for a user who may not read them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers } from '../../core/index.ts';
import { custody } from '../support/cli.ts';
import { openIndexedSession, typeCommand } from '../support/indexed-session.ts';
import { createTestVault, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const DAY = 86_400_000;

describe('custody recordings search and retention', () => {
  let v: TestVault;
  const ids: string[] = [];

  beforeAll(async () => {
    // Made 40 days ago, on a clock of their own: old enough for a 30-day purge.
    const timers = new ManualTimers(new Date(Date.now() - 40 * DAY));
    v = await createTestVault({ clock: timers });
    await v.addUser('pat', 'password-user');
    for (const [user, target, command] of [
      ['alice', 'web01/root', 'systemctl restart nginx'],
      ['bob', 'db01/dba', 'systemctl restart postgresql'],
    ] as const) {
      const rec = await openIndexedSession(v.core, timers, { user, target });
      rec.output(Buffer.from('$ '));
      timers.advance(95_000);
      typeCommand(rec, command, ['ok']);
      timers.advance(1000);
      await rec.close();
      ids.push(rec.id!);
    }
  }, 60_000);
  afterAll(async () => v?.close());

  it('lists recording, offset and line; --json; --user and --resource narrow it', async () => {
    const text = await custody(['--home', v.home, 'recordings', 'search', 'systemctl restart']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`${ids[0]}\\s+0:01:35\\s+alice\\s+web01/root\\s+command\\s+systemctl restart nginx`),
    );
    const json = await custody([
      '--home',
      v.home,
      'recordings',
      'search',
      'restart',
      '--user',
      'bob',
      '--json',
    ]);
    const hits = JSON.parse(json.stdout) as {
      recordingId: string;
      offset: number;
      kind: string;
      line: string;
    }[];
    expect(hits.find((h) => h.kind === 'command')).toMatchObject({
      recordingId: ids[1],
      offset: 95,
      line: 'systemctl restart postgresql',
    });
    expect(new Set(hits.map((h) => h.recordingId))).toEqual(new Set([ids[1]]));
    const none = await custody(['--home', v.home, 'recordings', 'search', 'nginx', '--resource', 'db01']);
    expect(none.stdout.trim()).toBe('no matches');
    const bad = await custody(['--home', v.home, 'recordings', 'search', 'x', '--since', 'yesterday-ish']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--since must be an ISO date/)]);
  });

  it('a password user may not search (the same rule as listing recordings)', async () => {
    const pwFile = path.join(v.home, 'pat.pw');
    await writeFile(pwFile, USER_PASSWORD, { mode: 0o600 });
    const r = await custody([
      '--home',
      v.home,
      '--as',
      'pat',
      '--password-file',
      pwFile,
      'recordings',
      'search',
      'nginx',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/forbidden|not allowed|permission/i);
  });

  it('hold keeps a recording through purge; release lets the next purge remove it', async () => {
    const hold = await custody(['--home', v.home, 'recordings', 'hold', ids[0]!, '--reason', 'case 2026-17']);
    expect(hold.stdout.trim()).toBe(`recording ${ids[0]} is on legal hold`);
    const holds = await custody(['--home', v.home, 'recordings', 'holds']);
    expect(holds.stdout).toMatch(new RegExp(`${ids[0]}.*case 2026-17`));
    const purge = await custody(['--home', v.home, 'recordings', 'purge', '--older-than', '30', '--json']);
    expect(JSON.parse(purge.stdout)).toMatchObject({ purged: [ids[1]], held: [ids[0]] });
    const after = await custody(['--home', v.home, 'recordings', 'search', 'systemctl', '--json']);
    expect(
      new Set((JSON.parse(after.stdout) as { recordingId: string }[]).map((h) => h.recordingId)),
    ).toEqual(new Set([ids[0]]));
    expect((await custody(['--home', v.home, 'recordings', 'release', ids[0]!])).code).toBe(0);
    const again = await custody(['--home', v.home, 'recordings', 'purge', '--older-than', '30']);
    expect(again.stdout.trim()).toMatch(/^purged 1 recording\(s\) started before /);
    const missing = await custody(['--home', v.home, 'recordings', 'purge']);
    expect(missing.code).not.toBe(0);
  });
});
