// Resources, types, custom fields and password-policy enforcement.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, LimitError, PolicyError, ValidationError } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const STRONG = 'Zq9#Lm2$Vx7!Rt4&Kp8w';

describe('vault model', () => {
  let v: TestVault;
  beforeEach(async () => {
    v = await createTestVault();
  });
  afterEach(async () => v.close());

  it('ships the built-in types the gateway needs, which cannot be deleted', async () => {
    const names = (await v.core.catalog.listTypes(v.host)).map((t) => t.name);
    for (const t of ['linux', 'telnet-device', 'windows-rdp', 'mysql', 'postgres', 'ldap', 'network-device'])
      expect(names).toContain(t);
    await expect(v.core.catalog.removeType(v.host, 'linux')).rejects.toBeInstanceOf(ValidationError);
  });

  it('custom types reuse a built-in handler and can hide attributes', async () => {
    const t = await v.core.catalog.addType(v.host, {
      name: 'appliance',
      likeType: 'linux',
      hiddenAttributes: ['department'],
    });
    expect(t).toMatchObject({ protocol: 'ssh', resetKind: 'unix', builtin: false });
    await expect(
      v.core.resources.create(v.host, { name: 'ap1', type: 'appliance', department: 'ops' }),
    ).rejects.toBeInstanceOf(ValidationError);
    const r = await v.core.resources.create(v.host, {
      name: 'ap1',
      type: 'appliance',
      dnsName: 'ap1.example',
    });
    expect(r.port).toBe(22);
    await expect(v.core.catalog.removeType(v.host, 'appliance')).rejects.toBeInstanceOf(ConflictError);
  });

  it('up to 20 custom fields per target, each kind checked; password fields are sealed', async () => {
    await v.core.catalog.addField(v.host, 'resource', 'Rack', 'numeric');
    await v.core.catalog.addField(v.host, 'resource', 'Commissioned', 'datetime');
    await v.core.catalog.addField(v.host, 'resource', 'Manual', 'file');
    await v.core.catalog.addField(v.host, 'account', 'Enable secret', 'password');
    await expect(
      v.core.resources.create(v.host, { name: 'r1', type: 'linux', custom: { Rack: 'twelve' } }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      v.core.resources.create(v.host, { name: 'r1', type: 'linux', custom: { Commissioned: 'someday' } }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      v.core.resources.create(v.host, { name: 'r1', type: 'linux', custom: { Manual: 'm.pdf' } }),
    ).rejects.toThrow(/not enabled/);
    const r = await v.core.resources.create(v.host, {
      name: 'r1',
      type: 'linux',
      custom: { Rack: '12', Commissioned: '2024-05-01T10:00:00Z' },
    });
    expect(r.custom).toEqual({ Rack: '12', Commissioned: '2024-05-01T10:00:00.000Z' });
    await v.core.accounts.add(v.host, 'r1', 'admin', pw(STRONG), {
      custom: { 'Enable secret': pw('enable-me-42') },
    });
    expect((await v.core.accounts.get(v.host, 'r1/admin')).custom).toEqual({ 'Enable secret': '<secret>' });
    expect((await v.core.accounts.revealCustom(v.host, 'r1/admin', 'Enable secret')).reveal()).toBe(
      'enable-me-42',
    );
    for (let i = 4; i <= 20; i++) await v.core.catalog.addField(v.host, 'resource', `f${i}`, 'text');
    await expect(v.core.catalog.addField(v.host, 'resource', 'f21', 'text')).rejects.toBeInstanceOf(
      LimitError,
    );
    await v.core.catalog.addField(v.host, 'account', 'still room', 'text');
  });

  it('the effective policy: resource, else group, else the default', async () => {
    await v.core.policies.create(v.host, {
      name: 'Pin',
      description: 'device PINs',
      minLength: 6,
      maxLength: 8,
      mixedCase: false,
      minDigits: 6,
      requireSpecial: false,
      minSpecial: 0,
      startWithAlpha: false,
      allowLoginName: true,
      historyCount: 0,
      maxAgeDays: 0,
    });
    await v.core.resources.create(v.host, { name: 'plain', type: 'linux' });
    await expect(v.core.accounts.add(v.host, 'plain', 'root', pw('123456'))).rejects.toBeInstanceOf(
      PolicyError,
    ); // default Strong
    await v.core.groups.create(v.host, { name: 'pins', kind: 'static', policy: 'Pin' });
    await v.core.groups.addResource(v.host, 'pins', 'plain');
    await v.core.accounts.add(v.host, 'plain', 'root', pw('123456'));
    await v.core.resources.create(v.host, { name: 'own', type: 'linux', policy: 'Low' });
    await v.core.groups.addResource(v.host, 'pins', 'own');
    await expect(v.core.accounts.add(v.host, 'own', 'root', pw('123456'))).rejects.toBeInstanceOf(
      PolicyError,
    ); // Low: 8 chars
    await v.core.accounts.add(v.host, 'own', 'root', pw('abcdefgh'));
    await v.core.policies.setDefault(v.host, 'Low');
    await v.core.resources.create(v.host, { name: 'later', type: 'linux' });
    await v.core.accounts.add(v.host, 'later', 'root', pw('abcdefgh'));
    await expect(v.core.policies.remove(v.host, 'Low')).rejects.toThrow(/built-in/);
    await expect(v.core.policies.remove(v.host, 'Pin')).rejects.toBeInstanceOf(ConflictError);
  });

  it('resource names that would break RESOURCE/ACCOUNT or USER:ACCOUNT@RESOURCE are refused', async () => {
    for (const bad of ['a/b', 'a:b', 'a@b', 'a b', '', 'x'.repeat(201)]) {
      await expect(v.core.resources.create(v.host, { name: bad, type: 'linux' })).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    await expect(v.core.resources.create(v.host, { name: 'ok', type: 'no-such-type' })).rejects.toThrow(
      /unknown resource type/,
    );
  });
});

describe('policy violations are on record', () => {
  it('a refused password change leaves a password.policy-violation audit row and no change', async () => {
    const v = await createTestVault();
    try {
      await v.core.resources.create(v.host, { name: 'r1', type: 'linux' });
      await v.core.accounts.add(v.host, 'r1', 'root', pw(STRONG));
      await expect(v.core.accounts.changePassword(v.host, 'r1/root', pw('weak'))).rejects.toBeInstanceOf(
        PolicyError,
      );
      const rows = await v.core.audit.query(v.host, { type: 'password.policy-violation' });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ result: 'failure', targetName: 'r1/root' });
      expect((await v.core.accounts.reveal(v.host, 'r1/root')).reveal()).toBe(STRONG);
      expect(await v.core.audit.query(v.host, { type: 'password.change' })).toHaveLength(0);
    } finally {
      await v.close();
    }
  });
});
