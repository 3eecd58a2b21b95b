// Plants known passwords through every path that stores one (account, history, custom password
// field, CSV import, personal password) and through error paths, then searches every artefact
// Custody leaves behind — database files, WAL, logs, audit rows, command output, error messages —
// for them. Only the explicit, authorised `reveal` commands may print one.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, Secret } from '../../core/index.ts';
import { custody, type CliResult } from '../support/cli.ts';
import { writeTestConfig } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const CANARIES = {
  account: 'Canary#Acct-7f3Q-x9Lm2Zr',
  history: 'Canary#Hist-4k8W-p2Vn7Ty',
  field: 'Canary#Field-1a5E-u6Bc3Xw',
  import: 'Canary#Import-9d2R-h4Js8Qk',
  personal: 'Canary#Personal-3g7M-t1Fz',
  rejected: 'CanaryWeak1',
  malformed: 'Canary#Malformed-6p2N-k8Dv',
};
const ALL = Object.values(CANARIES);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

function leaks(text: string): string[] {
  return ALL.filter((c) => text.includes(c));
}

describe('canary passwords never leak', () => {
  let home: string;
  let inputs: string;
  const outputs: { args: string; result: CliResult }[] = [];

  const run = async (args: string[]) => {
    const result = await custody(['--home', home, ...args]);
    outputs.push({ args: args.join(' '), result });
    return result;
  };
  const file = async (name: string, text: string) => {
    const p = path.join(inputs, name);
    await writeFile(p, text);
    return p;
  };

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-canary-'));
    inputs = await mkdtemp(path.join(os.tmpdir(), 'custody-canary-in-'));
    await writeTestConfig(home);
    expect(
      (await run(['init', '--admin-password-file', await file('admin', 'Root-Canary-Boss#2026x\n')])).code,
    ).toBe(0);
    expect((await run(['resource', 'add', 'web01', '--type', 'linux', '--host', '10.1.1.1'])).code).toBe(0);
    // 1. account password
    expect(
      (
        await run([
          'account',
          'add',
          'web01',
          'root',
          '--password-file',
          await file('a', CANARIES.account + '\n'),
        ])
      ).code,
    ).toBe(0);
    // 2. history: the first value moves into history when it changes
    expect(
      (await run(['account', 'add', 'web01', 'svc', '--password-file', await file('h', CANARIES.history)]))
        .code,
    ).toBe(0);
    expect((await run(['account', 'set-password', 'web01/svc', '--generate'])).code).toBe(0);
    // 3. a password-kind custom field
    expect((await run(['field', 'add', 'account', 'Enable Secret', '--kind', 'password'])).code).toBe(0);
    const fieldFile = await file('f', CANARIES.field);
    expect(
      (
        await run([
          'account',
          'add',
          'web01',
          'enable',
          '--generate',
          '--field-file',
          `Enable Secret=${fieldFile}`,
        ])
      ).code,
    ).toBe(0);
    // 4. CSV import, with a good line, a malformed line and a policy-violating line
    const csv = [
      'Resource Name,Account Name,Password,DNS Name',
      `db01,postgres,${CANARIES.import},db01.example`,
      `db02,postgres,"${CANARIES.malformed},db02.example`,
      `db03,postgres,${CANARIES.rejected},db03.example`,
    ].join('\n');
    const imp = await run(['import', 'resources', await file('import.csv', csv + '\n')]);
    expect(imp.stdout).toMatch(/line 2: created/);
    expect(imp.stdout).toMatch(/error/);
    // 5. personal password
    expect(
      (await run(['personal', 'add', 'bank', '--password-file', await file('p', CANARIES.personal)])).code,
    ).toBe(0);
    // 6. error paths: a rejected password, and reuse of a password still in history
    expect(
      (
        await run([
          'account',
          'set-password',
          'web01/root',
          '--password-file',
          await file('w', CANARIES.rejected),
        ])
      ).code,
    ).not.toBe(0);
    expect(
      (
        await run([
          'account',
          'add',
          'web01',
          'again',
          '--password-file',
          await file('w2', CANARIES.rejected),
        ])
      ).code,
    ).not.toBe(0);
    expect(
      (
        await run([
          'account',
          'set-password',
          'web01/root',
          '--password-file',
          await file('a2', CANARIES.account),
        ])
      ).code,
    ).not.toBe(0);
    expect((await run(['audit', 'verify'])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(inputs, { recursive: true, force: true });
  });

  it('every planted password was really stored (the search below looks for something that exists)', async () => {
    const reveal = async (args: string[]) => (await custody(['--home', home, ...args])).stdout.trim();
    expect(await reveal(['account', 'reveal', 'web01/root'])).toBe(CANARIES.account);
    expect(await reveal(['account', 'reveal', 'web01/enable', '--field', 'Enable Secret'])).toBe(
      CANARIES.field,
    );
    expect(await reveal(['account', 'reveal', 'db01/postgres'])).toBe(CANARIES.import);
    expect(await reveal(['personal', 'reveal', 'bank'])).toBe(CANARIES.personal);
    const history = JSON.parse(
      (await custody(['--home', home, 'account', 'history', 'web01/svc', '--json'])).stdout,
    ) as { id: string }[];
    expect(history).toHaveLength(1);
  });

  it('appears in no file of the home folder: database, WAL, logs, configuration', async () => {
    const files = (await filesUnder(home)).filter((f) => !f.includes(`${path.sep}keys${path.sep}`));
    expect(files.some((f) => f.endsWith('custody.sqlite'))).toBe(true);
    expect(files.some((f) => f.endsWith('custody.log'))).toBe(true);
    for (const f of files) {
      if ((await stat(f)).size === 0) continue;
      const bytes = await readFile(f);
      expect({ file: f, leaks: leaks(bytes.toString('latin1')) }).toEqual({ file: f, leaks: [] });
    }
  });

  it('appears in no audit row', async () => {
    const { core } = await openCore({ home });
    try {
      const rows = await contextOf(core).store.read((r) => r.audit.page(0, 100_000));
      expect(rows.length).toBeGreaterThan(10);
      for (const row of rows) expect(leaks(JSON.stringify(row))).toEqual([]);
    } finally {
      await core.close();
    }
  });

  it('appears in no command output or error message', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const o of outputs)
      expect({ cmd: o.args, leaks: leaks(o.result.stdout + o.result.stderr) }).toEqual({
        cmd: o.args,
        leaks: [],
      });
  });

  it('a Secret prints as <secret> everywhere a value can escape', () => {
    const s = Secret.fromString(CANARIES.account);
    const forms = [
      String(s),
      `${s}`,
      JSON.stringify({ s }),
      inspect(s),
      inspect({ nested: { s } }),
      new Error(`failed with ${s}`).message,
      [s].join(','),
    ];
    for (const f of forms) expect(leaks(f)).toEqual([]);
    expect(s.reveal()).toBe(CANARIES.account);
  });
});
