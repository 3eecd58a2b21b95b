// Network-device resets (Cisco IOS style) against the scripted device STAND-IN of
// test/support/ios-device-stand-in.ts (no real IOS can run here), over SSH and over Telnet:
// enable with the enable secret, configure terminal, username … secret …, end, write memory.
// Fault injection: wrong enable secret, a line the device refuses, the connection dropped before
// and during the change, write memory failing; verification; the canary password check.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResetEngine, type ResetTarget, type TargetError } from '../../core/index.ts';
import { NetworkDeviceResetConnector } from '../../reset/index.ts';
import { startIosStandIn, type IosStandIn } from '../support/ios-device-stand-in.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { expectNoCanary, loggedContext } from './fixtures.ts';
import { sshLogin } from './helpers.ts';
import { vaultHas as storedPassword } from './vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

const OLD = 'Zq9#Lm2$Vx7!Rt4&Nd1w';
const OPS = 'Zq9#Lm2$Vx7!Rt4&Nd2w';
const ENABLE = 'Zq9#Lm2$Vx7!Rt4&Nd3w';
const device = new NetworkDeviceResetConnector({ stepTimeoutMs: 3_000 });
const REAL = { 'cisco-ios': device };

let dev: IosStandIn;
let v: TestVault;

const vaultHas = (resource: string, name: string): Promise<string> => storedPassword(v, resource, name);
const lastAudit = async (type: string) => {
  const [row] = await v.core.audit.query(v.host, { type, limit: 1 });
  return row
    ? { result: row.result, details: JSON.parse(row.details) as Record<string, unknown> }
    : undefined;
};
const target = (port: number, transport: 'ssh' | 'telnet'): ResetTarget => ({
  resource: 'sw',
  resetKind: 'cisco-ios',
  host: '127.0.0.1',
  port,
  protocol: 'ssh',
  settings: { transport },
});

beforeAll(async () => {
  dev = await startIosStandIn({ alice: OLD, netops: OPS, bob: OLD }, { enableSecret: ENABLE });
  v = await createTestVault();
  for (const [name, port, transport] of [
    ['sw01', dev.sshPort, 'ssh'],
    ['sw02', dev.telnetPort, 'telnet'],
  ] as const) {
    await v.core.resources.create(v.host, { name, type: 'cisco-ios', dnsName: '127.0.0.1', port });
    await v.core.accounts.add(v.host, name, 'alice', pw(OLD));
    await v.core.accounts.add(v.host, name, 'netops', pw(OPS));
    await v.core.accounts.add(v.host, name, 'enable-secret', pw(ENABLE));
    await v.core.resetSettings.configure(v.host, name, {
      login: 'netops',
      enable: 'enable-secret',
      transport,
    });
  }
}, 30_000);

afterAll(async () => {
  await v?.close();
  await dev?.close();
});

afterEach(() => {
  dev.dropOn = undefined;
  dev.failWriteMemory = false;
  dev.rejectUsers.clear();
});

describe('network-device reset (Cisco IOS style) against a scripted device stand-in', () => {
  it('over SSH: enable, configure terminal, username … secret, end, write memory; new logs in, old refused; verify; no canary anywhere', async () => {
    const canary = 'Cn4ry#Ios-Pw!x9Lq2Vt';
    const { ctx, lines } = loggedContext(v);
    await new ResetEngine(ctx, REAL).resetAccount(v.host, 'sw01/alice', { newPassword: pw(canary) });
    expect(await vaultHas('sw01', 'alice')).toBe(canary);
    expect(dev.running.get('alice')).toBe(canary);
    expect(dev.startup.get('alice')).toBe(canary);
    expect(dev.commands.slice(-5, -1)).toEqual([
      'configure terminal',
      'username alice secret <cut>',
      'end',
      'write memory',
    ]);
    expect(await sshLogin(dev.sshPort, 'alice', canary)).toBe(true);
    expect(await sshLogin(dev.sshPort, 'alice', OLD)).toBe(false);
    await expect(device.verify(target(dev.sshPort, 'ssh'), 'alice', pw(canary))).resolves.toBeUndefined();
    const refused = await device
      .verify(target(dev.sshPort, 'ssh'), 'alice', pw(OLD))
      .catch((e: TargetError) => e);
    expect((refused as TargetError).details).toMatchObject({ reason: 'refused' });
    expect((await lastAudit('password.reset'))?.details).toMatchObject({ login: 'netops' });
    // The host key of the device was pinned at the first connection, as for any SSH target.
    expect(await v.core.audit.query(v.host, { type: 'host-key.recorded' })).toHaveLength(1);
    await expectNoCanary(v, lines, canary);
  }, 30_000);

  it('over Telnet: Username/Password prompts, then the same change; verify in sync, refused and unreachable', async () => {
    dev.running.set('alice', OLD);
    await new ResetEngine(contextOf(v.core), REAL).resetAccount(v.host, 'sw02/alice');
    const now = await vaultHas('sw02', 'alice');
    expect(dev.running.get('alice')).toBe(now);
    const t = target(dev.telnetPort, 'telnet');
    await expect(device.verify(t, 'alice', pw(now))).resolves.toBeUndefined();
    const refused = await device.verify(t, 'alice', pw(OLD)).catch((e: TargetError) => e);
    expect((refused as TargetError).details).toMatchObject({ reason: 'refused' });
    const closed = await device
      .verify({ ...t, port: dev.telnetPort === 1 ? 2 : 1 }, 'alice', pw(now))
      .catch((e: TargetError) => e);
    expect((closed as TargetError).details).toMatchObject({ reason: 'unreachable' });
  }, 30_000);

  it('wrong enable secret: refused, the vault and the device keep the old secret, the audit says why', async () => {
    dev.running.set('bob', OLD);
    await v.core.accounts.add(v.host, 'sw01', 'bob', pw(OLD));
    dev.enableSecret = 'Something-Else#77';
    try {
      const err = await new ResetEngine(contextOf(v.core), REAL)
        .resetAccount(v.host, 'sw01/bob')
        .catch((e: TargetError) => e);
      expect((err as TargetError).message).toMatch(/refused the enable secret/);
    } finally {
      dev.enableSecret = ENABLE;
    }
    expect(await vaultHas('sw01', 'bob')).toBe(OLD);
    expect(dev.running.get('bob')).toBe(OLD);
    expect((await lastAudit('password.reset-fail'))?.details).toMatchObject({
      reason: 'refused',
      login: 'netops',
    });
  }, 30_000);

  it('a line the device refuses (% Invalid input): failed with the device line, nothing changed', async () => {
    dev.rejectUsers.add('bob');
    const err = await new ResetEngine(contextOf(v.core), REAL)
      .resetAccount(v.host, 'sw01/bob')
      .catch((e: TargetError) => e);
    expect((err as TargetError).message).toMatch(/% Invalid input/);
    expect(await vaultHas('sw01', 'bob')).toBe(OLD);
    expect((await lastAudit('password.reset-fail'))?.details).toMatchObject({ reason: 'failed' });
  }, 30_000);

  it('device down in the middle: dropped at configure terminal → unreachable; dropped at the username line → failed, state unknown; vault unchanged both times', async () => {
    dev.dropOn = 'configure';
    const e1 = await new ResetEngine(contextOf(v.core), REAL)
      .resetAccount(v.host, 'sw01/bob')
      .catch((e: TargetError) => e);
    expect((e1 as TargetError).details).toMatchObject({ reason: 'unreachable' });
    dev.dropOn = 'username';
    const e2 = await new ResetEngine(contextOf(v.core), REAL)
      .resetAccount(v.host, 'sw01/bob')
      .catch((e: TargetError) => e);
    expect((e2 as TargetError).message).toMatch(/target state unknown/);
    expect(await vaultHas('sw01', 'bob')).toBe(OLD);
    expect(dev.running.get('bob')).toBe(OLD);
  }, 30_000);

  it('write memory failing: the running configuration has the new secret, so the vault takes it and the audit row carries the warning', async () => {
    dev.failWriteMemory = true;
    await new ResetEngine(contextOf(v.core), REAL).resetAccount(v.host, 'sw01/bob');
    const now = await vaultHas('sw01', 'bob');
    expect(dev.running.get('bob')).toBe(now);
    expect(dev.startup.get('bob')).toBe(OLD);
    const row = await lastAudit('password.reset');
    expect(String((row?.details.warnings as string[])[0])).toMatch(/write memory failed .*No space left/);
  }, 30_000);
});
