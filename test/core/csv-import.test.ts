// CSV import, with malformed, duplicate and over-long lines: a header row, columns in any order,
// one transaction and one audit row per line, bad lines reported by number while the others import,
// and never a password in a message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord, ImportReport, LineResult } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';
const GOOD2 = 'Yb3%Nc6^Wd1*Qe5(Hf0z';
const GOOD3 = 'Hp4@Tu8!Gs2#Rk6&Mn3v';
/** Strong-compliant: if it showed up anywhere, it came from the line's password field. */
const CANARY_OK = 'Canary7#Strong9!Pass';
/** Fails the Strong policy (too short, no digits pair, …). */
const CANARY_WEAK = 'CanaryWeak#1';
/** Login password for imported users (Medium policy). */
const USER_PW = 'Imp0rted!User-Pass';
const USER_CANARY_WEAK = 'ucanary';

const RES_HEADER = 'Resource Name,Account Name,Password,DNS Name,Resource Type,Port';

function csv(...rows: string[]): string {
  return rows.join('\n') + '\n';
}

function byLine(report: ImportReport): Map<number, LineResult> {
  return new Map(report.results.map((r) => [r.line, r]));
}

function line(report: ImportReport, n: number): LineResult {
  const r = byLine(report).get(n);
  if (!r) throw new Error(`no result for line ${n}: ${JSON.stringify(report.results)}`);
  return r;
}

async function auditRows(v: TestVault, type: string): Promise<AuditRecord[]> {
  return v.core.audit.query(v.host, { type, limit: 10_000 });
}

describe('CSV import of resources and accounts', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault();
  });
  afterAll(async () => v.close());

  const exists = async (name: string) =>
    !!(await contextOf(v.core).store.read((r) => r.resources.byName(name)));
  const reveal = async (ref: string) => (await v.core.accounts.reveal(v.host, ref)).reveal();

  it('accepts .csv and .txt files only', async () => {
    const text = csv(RES_HEADER, `ext1,root,${GOOD},,,`);
    for (const file of ['data.xlsx', 'data', 'data.csv.bak']) {
      await expect(v.core.imports.importResources(v.host, file, text)).rejects.toMatchObject({
        code: 'E_VALIDATION',
        message: expect.stringMatching(/\.csv or \.txt/),
      });
    }
    expect(await exists('ext1')).toBe(false);
    const r = await v.core.imports.importResources(v.host, 'DATA.TXT', text);
    expect(r.counts).toMatchObject({ created: 1, error: 0 });
    expect(await reveal('ext1/root')).toBe(GOOD);
  });

  it('needs a header row with Resource Name and Account Name', async () => {
    await expect(v.core.imports.importResources(v.host, 'empty.csv', '')).rejects.toMatchObject({
      code: 'E_VALIDATION',
    });
    await expect(
      v.core.imports.importResources(v.host, 'nores.csv', csv('Account Name,Password', `root,${GOOD}`)),
    ).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringContaining('Resource Name') });
    await expect(
      v.core.imports.importResources(v.host, 'noacc.csv', csv('Resource Name,Password', `noacc,${GOOD}`)),
    ).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringContaining('Account Name') });
    expect(await exists('noacc')).toBe(false);
  });

  it('reads columns in any order, and Resource Name + Account Name are all a line needs besides a password', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'order.csv',
      csv(
        'Port,Password,Resource Type,DNS Name,Account Name,Resource Name',
        `2222,${GOOD},linux,10.1.0.1,root,order1`,
        `,${GOOD2},,,admin,order2`,
      ),
    );
    expect(r.counts).toEqual({ created: 2, updated: 0, skipped: 0, error: 0 });
    expect(r.results.map((x) => [x.line, x.status, x.name])).toEqual([
      [2, 'created', 'order1/root'],
      [3, 'created', 'order2/admin'],
    ]);
    const o1 = await v.core.resources.get(v.host, 'order1');
    expect(o1).toMatchObject({ dnsName: '10.1.0.1', port: 2222, typeName: 'linux', accounts: ['root'] });
    expect(await reveal('order1/root')).toBe(GOOD);
    expect(await reveal('order2/admin')).toBe(GOOD2);
  });

  it('reports a short line by its number and imports the others', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'short.csv',
      csv(RES_HEADER, `short1,root,${GOOD},,,`, `short2,root,${GOOD}`, `short3,root,${GOOD2},,,`),
    );
    expect(line(r, 2).status).toBe('created');
    expect(line(r, 3)).toMatchObject({ status: 'error', code: 'E_IMPORT' });
    expect(line(r, 3).message).toMatch(/expected 6 fields, found 3/);
    expect(line(r, 4).status).toBe('created');
    expect(await exists('short2')).toBe(false);
    expect(await reveal('short3/root')).toBe(GOOD2);
  });

  it('reports malformed lines (unclosed quote, bad closing quote) by number and imports the others', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'malformed.csv',
      csv(
        RES_HEADER,
        `mal1,root,${GOOD},,,`,
        `mal2,root,"${CANARY_OK}"x,,,`,
        `mal3,root,${GOOD},,,`,
        `mal4,root,"${CANARY_OK},,,`,
        `mal5,root,"${GOOD2}",,,`,
        `mal6,root,${GOOD3},,,`,
      ),
    );
    expect(r.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'created'],
      [3, 'error'],
      [4, 'created'],
      [5, 'error'],
      [6, 'created'],
      [7, 'created'],
    ]);
    expect(line(r, 3)).toMatchObject({ code: 'E_IMPORT', message: expect.stringMatching(/malformed/) });
    expect(line(r, 5)).toMatchObject({ code: 'E_IMPORT', message: expect.stringMatching(/never closed/) });
    expect(await exists('mal2')).toBe(false);
    expect(await exists('mal4')).toBe(false);
    expect(await reveal('mal5/root')).toBe(GOOD2);
    expect(await reveal('mal6/root')).toBe(GOOD3);
    expect(r.counts).toEqual({ created: 4, updated: 0, skipped: 0, error: 2 });
  });

  it('a quoted field may span lines; the line number is where the record starts', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'multi.csv',
      csv(
        'Resource Name,Account Name,Password,Notes',
        `ml1,root,${GOOD},"two`,
        `lines"`,
        `ml2,root,${GOOD},x`,
      ),
    );
    expect(r.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'created'],
      [4, 'created'],
    ]);
    expect((await v.core.accounts.get(v.host, 'ml1/root')).notes).toBe('two\nlines');
  });

  it('reports over-long fields and lines by number and imports the others', async () => {
    const longName = 'n'.repeat(5000);
    const hugeNotes = 'z'.repeat(70_000);
    const r = await v.core.imports.importResources(
      v.host,
      'long.csv',
      csv(
        'Resource Name,Account Name,Password,Notes',
        `long1,root,${GOOD},`,
        `${longName},root,${GOOD},`,
        `long3,root,${CANARY_OK},${hugeNotes}`,
        `long4,root,${GOOD},`,
      ),
    );
    expect(r.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'created'],
      [3, 'error'],
      [4, 'error'],
      [5, 'created'],
    ]);
    expect(line(r, 3)).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/longer than/) });
    expect(line(r, 3).message!.length).toBeLessThan(300);
    expect(line(r, 4)).toMatchObject({ code: 'E_IMPORT', message: expect.stringMatching(/too long/) });
    expect(await exists('long3')).toBe(false);
    expect(await reveal('long4/root')).toBe(GOOD);
  });

  it('a duplicate account within the file fails on its second occurrence only', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'dup.csv',
      csv(RES_HEADER, `dup1,root,${GOOD},,,`, `dup1,admin,${GOOD3},,,`, `dup1,root,${GOOD2},,,`),
    );
    expect(line(r, 2).status).toBe('created');
    expect(line(r, 3).status).toBe('created');
    expect(line(r, 4)).toMatchObject({ status: 'error', code: 'E_CONFLICT' });
    expect(line(r, 4).message).toMatch(/dup1\/root.*twice/);
    expect(await reveal('dup1/root')).toBe(GOOD);
    expect(await v.core.accounts.history(v.host, 'dup1/root')).toHaveLength(0);
  });

  it('imports every account of a resource that spans several lines', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'multi-acc.csv',
      csv(
        RES_HEADER,
        `multi1,root,${GOOD},10.2.0.1,linux,22`,
        `multi1,admin,${GOOD2},10.2.0.1,linux,22`,
        `multi1,backup,${GOOD3},10.2.0.1,linux,22`,
      ),
    );
    expect(r.counts).toEqual({ created: 3, updated: 0, skipped: 0, error: 0 });
    expect((await v.core.resources.get(v.host, 'multi1')).accounts.sort()).toEqual([
      'admin',
      'backup',
      'root',
    ]);
    expect(await reveal('multi1/admin')).toBe(GOOD2);
    expect(await reveal('multi1/backup')).toBe(GOOD3);
  });

  it('skips an existing resource unless overwrite is asked; overwrite keeps the old password in history', async () => {
    await v.core.resources.create(v.host, { name: 'ow1', type: 'linux', dnsName: '10.3.0.1' });
    await v.core.accounts.add(v.host, 'ow1', 'postgres', pw(GOOD));
    const text = csv(RES_HEADER, `ow1,postgres,${GOOD2},10.3.0.9,linux,5432`, `ow1,app,${GOOD3},,linux,`);

    const skipped = await v.core.imports.importResources(v.host, 'ow.csv', text);
    expect(skipped.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'skipped'],
      [3, 'skipped'],
    ]);
    expect(line(skipped, 2).message).toMatch(/exists/);
    expect(await reveal('ow1/postgres')).toBe(GOOD);
    expect((await v.core.resources.get(v.host, 'ow1')).accounts).toEqual(['postgres']);

    const updated = await v.core.imports.importResources(v.host, 'ow.csv', text, { overwrite: true });
    expect(updated.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'updated'],
      [3, 'updated'],
    ]);
    expect(await reveal('ow1/postgres')).toBe(GOOD2);
    expect(await reveal('ow1/app')).toBe(GOOD3);
    const res = await v.core.resources.get(v.host, 'ow1');
    expect(res).toMatchObject({ dnsName: '10.3.0.9', port: 5432 });
    const history = await v.core.accounts.history(v.host, 'ow1/postgres');
    expect(history).toHaveLength(1);
    expect((await v.core.accounts.revealHistory(v.host, 'ow1/postgres', history[0]!.id)).reveal()).toBe(GOOD);
  });

  it('overwrite still applies the password policy (a weak password fails that line and changes nothing)', async () => {
    await v.core.resources.create(v.host, { name: 'ow2', type: 'linux' });
    await v.core.accounts.add(v.host, 'ow2', 'root', pw(GOOD));
    const r = await v.core.imports.importResources(
      v.host,
      'ow2.csv',
      csv(RES_HEADER, `ow2,root,${CANARY_WEAK},,,`, `ow2,other,${GOOD2},,,`),
      { overwrite: true },
    );
    expect(line(r, 2)).toMatchObject({ status: 'error', code: 'E_POLICY' });
    expect(line(r, 3).status).toBe('updated');
    expect(await reveal('ow2/root')).toBe(GOOD);
    expect(await v.core.accounts.history(v.host, 'ow2/root')).toHaveLength(0);
  });

  it('maps columns with other headers; a mapped column missing from the header is a clear validation error', async () => {
    const mapping = {
      resourceName: 'Host Label',
      accountName: 'Login',
      password: 'Secret',
      dnsName: 'Address',
    } as const;
    const r = await v.core.imports.importResources(
      v.host,
      'mapped.csv',
      csv('Address,Login,Host Label,Secret', `10.4.0.1,root,map1,${GOOD}`),
      { mapping },
    );
    expect(r.counts).toMatchObject({ created: 1, error: 0 });
    expect(await v.core.resources.get(v.host, 'map1')).toMatchObject({ dnsName: '10.4.0.1' });
    expect(await reveal('map1/root')).toBe(GOOD);

    const err = await v.core.imports
      .importResources(v.host, 'mapped.csv', csv('Address,Login,Name,Secret', `10.4.0.2,root,map2,${GOOD}`), {
        mapping,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_VALIDATION', message: expect.stringContaining("'Host Label'") });
    expect((err as Error).message).toMatch(/not in the header/);
    expect(await exists('map2')).toBe(false);
  });

  it('a policy-violating password fails only its line, and the line is atomic', async () => {
    const resourceCreates = async () =>
      (await auditRows(v, 'resource.create')).filter((x) => x.targetName === 'pol2').length;
    const r = await v.core.imports.importResources(
      v.host,
      'policy.csv',
      csv(
        RES_HEADER,
        `pol1,root,${GOOD},,,`,
        `pol2,root,${CANARY_WEAK},10.5.0.2,linux,22`,
        `pol3,root,${GOOD},,,`,
      ),
    );
    expect(line(r, 2).status).toBe('created');
    expect(line(r, 3)).toMatchObject({ status: 'error', code: 'E_POLICY' });
    expect(line(r, 4).status).toBe('created');
    // The resource was inserted before the account failed: the whole line rolled back.
    expect(await exists('pol2')).toBe(false);
    expect(await resourceCreates()).toBe(0);
    // Other mid-line failures roll back the same way.
    const r2 = await v.core.imports.importResources(
      v.host,
      'policy2.csv',
      csv(RES_HEADER, `pol4,root,,,,`, `pol5,root,${GOOD},,no-such-type,`, `pol6,root,${GOOD},,,99999`),
    );
    expect(r2.results.map((x) => [x.line, x.status, x.code])).toEqual([
      [2, 'error', 'E_VALIDATION'],
      [3, 'error', 'E_VALIDATION'],
      [4, 'error', 'E_VALIDATION'],
    ]);
    for (const n of ['pol4', 'pol5', 'pol6']) expect(await exists(n)).toBe(false);
  });

  it('audits every line and the run, and never puts a password in a message or an audit row', async () => {
    const before = await contextOf(v.core).store.read((r) => r.audit.head());
    const text = csv(
      RES_HEADER,
      `aud1,root,${GOOD},,,`,
      `aud2,root,"${CANARY_OK}"oops,,,`,
      `aud3,root,${CANARY_WEAK},,,`,
      `aud4,root,"${CANARY_OK},,,`,
      `aud5,root,${CANARY_OK}`,
      `aud1,root,${CANARY_OK},,,`,
      `order1,root,${CANARY_OK},,,`,
      `aud8,root,${GOOD2},,,`,
    );
    const r = await v.core.imports.importResources(v.host, 'audit.csv', text);
    expect(r.results.map((x) => [x.line, x.status])).toEqual([
      [2, 'created'],
      [3, 'error'],
      [4, 'error'],
      [5, 'error'],
      [6, 'error'],
      [7, 'error'],
      [8, 'skipped'],
      [9, 'created'],
    ]);

    const rows = (await v.core.audit.query(v.host, { limit: 10_000 })).filter((x) => x.seq > before.seq);
    const lineRows = rows.filter((x) => x.type === 'import.resource-line');
    const audited = new Set(
      lineRows.map((x) =>
        x.targetKind === 'import-line'
          ? Number(x.targetName.split(':').pop())
          : (JSON.parse(x.details) as { line: number }).line,
      ),
    );
    expect([...audited].sort((a, b) => a - b)).toEqual(r.results.map((x) => x.line));
    expect(lineRows).toHaveLength(r.results.length);
    expect(lineRows.filter((x) => x.result === 'failure')).toHaveLength(r.counts.error);
    const runs = rows.filter((x) => x.type === 'import.run');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ targetName: 'audit.csv', result: 'failure' });
    expect(JSON.parse(runs[0]!.details)).toEqual(r.counts);

    for (const secret of [CANARY_OK, CANARY_WEAK]) {
      for (const x of r.results) expect(x.message ?? '').not.toContain(secret);
      expect(JSON.stringify(r)).not.toContain(secret);
      for (const row of rows) expect(JSON.stringify(row)).not.toContain(secret);
    }
  });

  it('refuses actors without the import permission', async () => {
    const user = await v.addUser('imp-pu', 'password-user');
    await expect(
      v.core.imports.importResources(user, 'x.csv', csv(RES_HEADER, `perm1,root,${GOOD},,,`)),
    ).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    expect(await exists('perm1')).toBe(false);
  });
});

describe('CSV import of users', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await createTestVault();
  });
  afterAll(async () => v.close());

  const user = (name: string) => contextOf(v.core).store.read((r) => r.users.byName(name));

  it('requires First Name, Last Name, User Name and Email Address', async () => {
    for (const missing of ['First Name', 'Last Name', 'User Name', 'Email Address']) {
      const cols = ['First Name', 'Last Name', 'User Name', 'Email Address'].filter((c) => c !== missing);
      await expect(
        v.core.imports.importUsers(v.host, 'u.csv', csv(cols.join(','), cols.map(() => 'x').join(','))),
      ).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringContaining(missing) });
    }
    await expect(
      v.core.imports.importUsers(v.host, 'u.json', csv('First Name,Last Name,User Name,Email Address')),
    ).rejects.toMatchObject({ code: 'E_VALIDATION' });
  });

  it('imports users with columns in any order; bad roles, bad Two Factor values and existing users fail or skip only their line', async () => {
    const before = await contextOf(v.core).store.read((r) => r.audit.head());
    const r = await v.core.imports.importUsers(
      v.host,
      'users.csv',
      csv(
        'Email Address,User Name,Role,Two Factor,Password,Last Name,First Name',
        `ann@example.org,ann,password-admin,enabled,${USER_PW},Smith,Ann`,
        `bob@example.org,bob,,,,Jones,Bob`,
        `cat@example.org,cat,superuser,disabled,${USER_PW},Cole,Cat`,
        `dan@example.org,dan,auditor,maybe,${USER_PW},Doe,Dan`,
        `root@example.org,admin,admin,,${USER_PW},Admin,Again`,
        `eve@example.org,eve,auditor,DISABLED,${USER_CANARY_WEAK},Eve,Eve`,
        `fay@example.org,fay,auditor`,
        `gus@example.org,"gus,auditor,,${USER_CANARY_WEAK},G,Gus`,
        `hal@example.org,hal,auditor,Disabled,,Hill,Hal`,
      ),
    );
    expect(r.results.map((x) => [x.line, x.status, x.code])).toEqual([
      [2, 'created', undefined],
      [3, 'created', undefined],
      [4, 'error', 'E_VALIDATION'],
      [5, 'error', 'E_VALIDATION'],
      [6, 'skipped', undefined],
      [7, 'error', 'E_POLICY'],
      [8, 'error', 'E_IMPORT'],
      [9, 'error', 'E_IMPORT'],
      [10, 'created', undefined],
    ]);
    expect(line(r, 5).message).toMatch(/Two Factor/);

    const ann = (await user('ann'))!;
    expect(ann).toMatchObject({
      role: 'password-admin',
      firstName: 'Ann',
      email: 'ann@example.org',
      totpEnabled: true,
    });
    await expect(v.core.users.authenticate('ann', pw(USER_PW), 'test')).resolves.toMatchObject({
      username: 'ann',
    });
    // No role in the file: the least one.
    expect(await user('bob')).toMatchObject({
      role: 'password-user',
      totpEnabled: false,
      passwordHash: null,
    });
    expect(await user('hal')).toMatchObject({ role: 'auditor', totpEnabled: false });
    for (const n of ['cat', 'dan', 'eve', 'fay', 'gus']) expect(await user(n)).toBeUndefined();
    // The existing administrator is untouched.
    expect(await user('admin')).toMatchObject({ role: 'admin', firstName: 'Built-in' });

    const rows = (await v.core.audit.query(v.host, { limit: 10_000 })).filter((x) => x.seq > before.seq);
    const lineRows = rows.filter((x) => x.type === 'import.user-line');
    expect(lineRows).toHaveLength(r.results.length);
    expect(
      lineRows
        .filter((x) => x.targetKind === 'user')
        .map((x) => x.targetName)
        .sort(),
    ).toEqual(['ann', 'bob', 'hal']);
    const runs = rows.filter((x) => x.type === 'import.run');
    expect(runs).toHaveLength(1);
    expect(JSON.parse(runs[0]!.details)).toEqual({ created: 3, updated: 0, skipped: 1, error: 5 });

    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(USER_CANARY_WEAK);
      expect(JSON.stringify(row)).not.toContain(USER_PW);
    }
    expect(JSON.stringify(r)).not.toContain(USER_CANARY_WEAK);
  });

  it('maps user columns', async () => {
    const r = await v.core.imports.importUsers(
      v.host,
      'mapped.txt',
      csv('Given,Family,Login,Mail', 'Ivy,Iles,ivy,ivy@example.org'),
      { mapping: { firstName: 'Given', lastName: 'Family', email: 'Mail' } },
    );
    expect(r.counts).toMatchObject({ created: 1, error: 0 });
    expect(await user('ivy')).toMatchObject({ firstName: 'Ivy', lastName: 'Iles', email: 'ivy@example.org' });
    await expect(
      v.core.imports.importUsers(v.host, 'mapped.txt', csv('Given,Family,Login', 'J,J,jo'), {
        mapping: { firstName: 'Given', lastName: 'Family', email: 'Mail' },
      }),
    ).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringContaining("'Mail'") });
  });
});
