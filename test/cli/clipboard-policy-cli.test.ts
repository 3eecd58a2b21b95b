// The per-resource RDP clipboard policy through the real CLI: `resource add/update --clipboard`
// stores it, `resource show` prints it, an unknown value is refused naming the allowed ones, and
// the session grant carries what the resource says when the session starts (off by default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

describe('custody resource --clipboard', () => {
  let v: TestVault;
  const cli = (...args: string[]) => custody(['--home', v.home, ...args]);
  beforeAll(async () => {
    v = await createTestVault();
    await v.reopen();
  }, 60_000);
  afterAll(async () => v?.close());

  it('is off by default, set on add and on update, shown, and refused when unknown', async () => {
    expect(
      (await cli('resource', 'add', 'win01', '--type', 'windows-rdp', '--host', '198.18.0.5')).code,
    ).toBe(0);
    expect((await cli('resource', 'show', 'win01')).stdout).toMatch(/^clipboard: off$/m);
    const added = await cli(
      'resource',
      'add',
      'win02',
      '--type',
      'windows-rdp',
      '--host',
      '198.18.0.6',
      '--clipboard',
      'to-target',
    );
    expect(added.code).toBe(0);
    expect((await cli('resource', 'show', 'win02')).stdout).toMatch(/^clipboard: to-target$/m);
    expect((await cli('resource', 'update', 'win01', '--clipboard', 'both')).code).toBe(0);
    const shown = JSON.parse((await cli('--json', 'resource', 'show', 'win01')).stdout) as {
      clipboard: string;
    };
    expect(shown.clipboard).toBe('both');
    const bad = await cli('resource', 'update', 'win01', '--clipboard', 'sideways');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--clipboard takes off, to-target, from-target, both/);
    expect((await cli('resource', 'show', 'win01')).stdout).toMatch(/^clipboard: both$/m);
  }, 60_000);

  it('the grant carries the policy read when the session is authorised', async () => {
    await v.reopen();
    await v.core.accounts.add(v.host, 'win01', 'Administrator', pw('Wn4%Rt8^Yu2*Pl6(Nb3c'));
    const grant = await v.core.sessions.authorize(v.host, 'win01/Administrator');
    expect(grant.target.clipboard).toBe('both');
    await v.core.resources.update(v.host, 'win01', { clipboard: 'off' });
    expect((await v.core.sessions.authorize(v.host, 'win01/Administrator')).target.clipboard).toBe('off');
    await expect(
      v.core.resources.update(v.host, 'win01', { clipboard: 'sideways' as never }),
    ).rejects.toThrow(/clipboard policy 'sideways'/);
  }, 60_000);
});
