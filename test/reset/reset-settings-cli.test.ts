// `custody reset-settings` and `custody reset` through the real CLI process: settings are set,
// shown and refused with one-line errors, and a network-device reset runs through the composition
// root's connectors against the scripted IOS device stand-in (test/support/ios-device-stand-in.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { startIosStandIn, type IosStandIn } from '../support/ios-device-stand-in.ts';
import { writeTestConfig } from '../support/vault.ts';

const OLD = 'Zq9#Lm2$Vx7!Rt4&Ck1w';
const OPS = 'Zq9#Lm2$Vx7!Rt4&Ck2w';
const ENABLE = 'Zq9#Lm2$Vx7!Rt4&Ck3w';

describe('custody reset-settings and custody reset on a network device (CLI, device stand-in)', () => {
  let home: string;
  let dev: IosStandIn;
  const run = (...args: string[]) => custody([...args, '--home', home]);

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'custody-cli-rsettings-'));
    await writeTestConfig(home);
    dev = await startIosStandIn({ alice: OLD, netops: OPS }, { enableSecret: ENABLE });
    expect((await run('init')).code).toBe(0);
    const file = async (n: string, v: string) => {
      await writeFile(path.join(home, n), v + '\n', { mode: 0o600 });
      return path.join(home, n);
    };
    const steps = [
      [
        'resource',
        'add',
        'sw01',
        '--type',
        'cisco-ios',
        '--host',
        '127.0.0.1',
        '--port',
        String(dev.sshPort),
      ],
      ['account', 'add', 'sw01', 'alice', '--password-file', await file('a', OLD)],
      ['account', 'add', 'sw01', 'netops', '--password-file', await file('o', OPS)],
      ['account', 'add', 'sw01', 'enable', '--password-file', await file('e', ENABLE)],
    ];
    for (const s of steps) expect((await run(...s)).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await dev?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('sets, shows and refuses settings with one-line errors', async () => {
    const set = await run(
      'reset-settings',
      'sw01',
      '--login',
      'netops',
      '--enable',
      'enable',
      '--prompt',
      'user=Router>\\s*$',
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('sw01: mode sudo, login netops, enable enable');
    const shown = await run('reset-settings', 'sw01', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      login: 'netops',
      enable: 'enable',
      prompts: { user: 'Router>\\s*$' },
    });
    const bad = await run('reset-settings', 'sw01', '--login', 'nobody');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      "custody: E_VALIDATION: login account 'nobody' is not an account of this resource",
    );
    const badRe = await run('reset-settings', 'sw01', '--login', 'netops', '--prompt', 'su=(');
    expect(badRe.stderr).toMatch(/prompt 'su' is not a valid regular expression/);
    expect((await run('reset-settings', 'sw01', '--json')).stdout).toContain('"enable"');
  }, 60_000);

  it('custody reset changes the device and the vault together and prints nothing secret', async () => {
    const r = await run('reset', 'sw01/alice');
    expect(r.code).toBe(0);
    const shown = await run('account', 'reveal', 'sw01/alice');
    const now = shown.stdout.trim().split('\n').pop()!.trim();
    expect(dev.running.get('alice')).toBe(now);
    expect(dev.startup.get('alice')).toBe(now);
    expect(r.stdout + r.stderr).not.toContain(now);
  }, 60_000);
});
