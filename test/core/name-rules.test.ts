// One rule for names everywhere: a CSV import once accepted NUL and C1 control characters in names
// that the CLI and the services reject. checkName (core/identity/names.ts) is the rule; here every
// way a name enters — import of resources, accounts and users, and the services behind the CLI and
// the console — refuses NUL, C0, DEL, C1, bidi overrides, invisible formatting characters and lone
// surrogates, and still accepts ordinary international names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const GOOD = 'Zq9#Lm2$Vx7!Rt4&Kp8w';

const BAD: [string, string][] = [
  ['NUL', '\u0000'],
  ['a C0 control (BEL)', '\u0007'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['a C1 control (NEL)', '\u0085'],
  ['a C1 control (CSI)', '\u009b'],
  ['a bidi override (RLO)', '\u202e'],
  ['a bidi isolate (LRI)', '\u2066'],
  ['a zero-width space', '\u200b'],
  ['a byte-order mark', '\ufeff'],
];
/** A CSV file is text: a lone surrogate becomes U+FFFD on the way in, so only the services see one. */
const BAD_IN_SERVICES: [string, string][] = [...BAD, ['a lone surrogate', '\ud800']];

describe('one validation for names (every entry point)', () => {
  let v: TestVault;
  let n = 0;
  const uniq = () => `n${++n}`;

  beforeAll(async () => {
    v = await createTestVault();
  }, 60_000);
  afterAll(async () => v?.close());

  const onlyLine = (r: ImportReport) => {
    expect(r.results).toHaveLength(1);
    return r.results[0]!;
  };

  it.each(BAD)('a resource import refuses %s in a resource name or an account name', async (_what, c) => {
    const res = uniq();
    for (const [resource, account] of [
      [`web${c}${res}`, 'root'],
      [`web${res}`, `ro${c}ot`],
    ]) {
      const r = await v.core.imports.importResources(
        v.host,
        'r.csv',
        `Resource Name,Account Name,Password\n${resource},${account},${GOOD}\n`,
      );
      expect(onlyLine(r)).toMatchObject({ status: 'error', code: 'E_VALIDATION' });
    }
    expect(await contextOf(v.core).store.read((r) => r.resources.byName(`web${res}`))).toBeUndefined();
  });

  it.each(BAD)('a user import refuses %s in a user name or a first name', async (_what, c) => {
    const u = uniq();
    for (const [username, first] of [
      [`al${c}ice${u}`, 'Alice'],
      [`alice${u}`, `Al${c}ice`],
    ]) {
      const r = await v.core.imports.importUsers(
        v.host,
        'u.csv',
        `First Name,Last Name,User Name,Email Address\n${first},Smith,${username},a@example.com\n`,
      );
      expect(onlyLine(r)).toMatchObject({ status: 'error', code: 'E_VALIDATION' });
    }
    expect(await contextOf(v.core).store.read((r) => r.users.byName(`alice${u}`))).toBeUndefined();
  });

  it.each(BAD_IN_SERVICES)('the services refuse %s in every kind of name', async (_what, c) => {
    const h = v.host;
    const k = uniq();
    await v.core.resources.create(h, { name: `base${k}`, type: 'linux', dnsName: 'h.example' });
    await v.core.accounts.add(h, `base${k}`, 'root', pw(GOOD));
    const attempts: [string, () => Promise<unknown>][] = [
      ['resource', () => v.core.resources.create(h, { name: `r${c}${k}`, type: 'linux' })],
      ['account', () => v.core.accounts.add(h, `base${k}`, `a${c}x`, pw(GOOD))],
      ['resource group', () => v.core.groups.create(h, { name: `g${c}${k}`, kind: 'static' })],
      ['user group', () => v.core.userGroups.create(h, `ug${c}${k}`)],
      ['user', () => v.core.users.create(h, { username: `u${c}${k}`, role: 'password-user' })],
      [
        "a user's last name",
        () => v.core.users.create(h, { username: `u${k}`, role: 'password-user', lastName: `S${c}mith` }),
      ],
      ['resource type', () => v.core.catalog.addType(h, { name: `t${c}${k}` })],
      ['landing server', () => v.core.landing.add(h, { name: `l${c}${k}`, primary: `base${k}/root` })],
    ];
    const accepted: string[] = [];
    for (const [what, attempt] of attempts) {
      const code = await attempt().then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      );
      if (code !== 'E_VALIDATION') accepted.push(`${what}: ${code}`);
    }
    expect(accepted).toEqual([]);
  });

  it('ordinary international names are still accepted, by the import and the services alike', async () => {
    const r = await v.core.imports.importResources(
      v.host,
      'r.csv',
      `Resource Name,Account Name,Password\nserveur-é-東京,administrateur-ü,${GOOD}\n`,
    );
    expect(onlyLine(r)).toMatchObject({ status: 'created' });
    await expect(
      v.core.groups.create(v.host, { name: 'Gruppe Größe 東京 עברית', kind: 'static' }),
    ).resolves.toBeTruthy();
  });
});
