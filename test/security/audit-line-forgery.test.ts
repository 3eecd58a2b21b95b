// A user name holding a newline once printed a fake row in `custody audit list`, and raw
// control characters and 20,000-character names were stored verbatim in login_failures. Names
// stored from failed logins are neutralised and bounded, and the CLI passes every table cell and
// error message through `printable`, so even a row written before the fix cannot forge a line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pw, rawDb, type TestVault, createTestVault } from '../support/vault.ts';
import { custody } from '../support/cli.ts';
import { contextOf } from '../support/core-internals.ts';

const FAKE_ROW = '999  2026-01-01T00:00:00.000Z  user.login  U106  admin  admin  success';
// A newline and a fake row, an OSC title change, a CSI clear-screen, a C1 CSI and a bidi override.
const FORGED = `mallory\n${FAKE_ROW}\x1b]0;owned\x07\x1b[2J\u009b31m\u202e`;
// Bytes a terminal acts on: C0 controls except newline, DEL, C1 controls, bidi overrides.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('user names cannot forge audit lines', () => {
  let v: TestVault;
  let home: string;

  beforeAll(async () => {
    v = await createTestVault();
    home = v.home;
    // Failed logins under forged names, one of them 20,000 characters long.
    await v.core.logins.password(FORGED, pw('wrong'), '10.0.0.9').catch(() => undefined);
    await v.core.logins.password(`x${'A'.repeat(20_000)}`, pw('wrong'), '10.0.0.9').catch(() => undefined);
    // A row as one written before the fix would be: the raw name in actor and target.
    await contextOf(v.core).appendStandalone({
      type: 'user.login',
      actor: FORGED,
      source: '10.0.0.9',
      target: { kind: 'user', name: FORGED },
      result: 'failure',
    });
  }, 60_000);
  afterAll(async () => v?.close());

  it('stores failed-login names neutralised and bounded (256)', async () => {
    const db = await rawDb(v);
    try {
      const subjects = (await db('login_failures').where({ kind: 'user' }).select('subject')).map(
        (r: { subject: string }) => r.subject,
      );
      expect(subjects).toHaveLength(2);
      for (const s of subjects) {
        expect(s).not.toMatch(RAW);
        expect(s).not.toContain('\n');
        expect([...s].length).toBeLessThanOrEqual(256);
      }
      expect(subjects).toContain(FORGED.replace(/[\n\x1b\x07\u009b\u202e]/g, '?')); // eslint-disable-line no-control-regex
    } finally {
      await db.destroy();
    }
    const rows = await v.core.audit.query(v.host, { type: 'user.login' });
    const fromLogins = rows.filter((r) => r.actor !== FORGED);
    expect(fromLogins).toHaveLength(2);
    for (const r of fromLogins) {
      expect(r.actor).not.toMatch(/[\n\x1b]/); // eslint-disable-line no-control-regex
      expect(r.targetName).not.toMatch(/[\n\x1b]/); // eslint-disable-line no-control-regex
    }
  });

  it('audit list prints one line per row and nothing a terminal acts on', async () => {
    const rows = await v.core.audit.query(v.host, { limit: 500 });
    const text = await custody(['--home', home, 'audit', 'list', '--limit', '500']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines.some((l) => l.startsWith('999 '))).toBe(false);
    expect(text.stdout).not.toMatch(RAW);
    expect(text.stdout).toContain('mallory?999');
  }, 60_000);

  it('audit list --json keeps each row one JSON object and escapes what a terminal acts on', async () => {
    const rows = await v.core.audit.query(v.host, { limit: 500 });
    const json = await custody(['--home', home, '--json', 'audit', 'list', '--limit', '500']);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW);
    const parsed = JSON.parse(json.stdout) as { actor: string }[];
    expect(parsed).toHaveLength(rows.length);
    // The data is intact for a program that reads it.
    expect(parsed.filter((r) => r.actor === FORGED)).toHaveLength(1);
  }, 60_000);

  it('an error message quoting a name cannot reach the terminal raw', async () => {
    const r = await custody(['--home', home, 'user', 'delete', FORGED]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^custody: E_NOT_FOUND: .*mallory\?999/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(RAW);
    const j = await custody(['--home', home, '--json', 'user', 'delete', FORGED]);
    expect(j.stderr).not.toMatch(RAW);
    expect(j.stderr.trimEnd().split('\n')).toHaveLength(1);
  }, 60_000);
});
