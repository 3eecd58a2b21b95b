// `custody config check [FILE]` through the real `custody` process: a broken file is one E_CONFIG
// line naming the first bad key's path (exit 1, like every error that is not a usage error), a
// good one says ok (exit 0), and without FILE the home folder's conf/custody.toml is checked.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../core/index.ts';
import { custody } from '../support/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'config-check-'));
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('custody config check', () => {
  it('names the key path of a misspelt key, a bad value and a broken cross-key rule', async () => {
    for (const [text, expected] of [
      ['[storage]\nsqlite_fil = "x"\n', 'storage.sqlite_fil: unknown key'],
      ['[gateway]\nidle_timeout_minutes = -1\n', 'gateway.idle_timeout_minutes: Too small'],
      [
        '[storage]\ndriver = "postgres"\n',
        'storage.postgres_url: postgres_url is required when driver = "postgres"',
      ],
      ['[notify]\npassword_event_channels = ["syslog"]\n', 'notify.syslog_host: syslog_host is required'],
    ] as const) {
      const f = file('broken.toml', text);
      const r = await custody(['config', 'check', f]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim().startsWith(`custody: E_CONFIG: ${f}: ${expected}`), r.stderr).toBe(true);
    }
  }, 120_000);

  it('gives the line of a TOML syntax error, and the code in JSON with --json', async () => {
    const f = file('syntax.toml', '[server]\nssh_port = = 1\n');
    const r = await custody(['config', 'check', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`custody: E_CONFIG: ${f}:2:`);
    const j = await custody(['config', 'check', '--json', file('bad.toml', '[log]\nlevel = "loud"\n')]);
    expect(j.code).toBe(1);
    const err = JSON.parse(j.stderr) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('E_CONFIG');
    expect(err.error.message).toContain('log.level:');
    const missing = await custody(['config', 'check', path.join(dir, 'nope.toml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`custody: E_CONFIG: ${path.join(dir, 'nope.toml')}: no such file`);
  }, 60_000);

  it('accepts the shipped configuration, and checks the home folder’s file without FILE', async () => {
    const shipped = path.join(REPOSITORY_ROOT, 'conf', 'custody.toml');
    const ok = await custody(['config', 'check', shipped]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${shipped}: ok\n`);

    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, 'conf'), { recursive: true });
    copyFileSync(shipped, path.join(home, 'conf', 'custody.toml'));
    const viaHome = await custody(['config', 'check', '--home', home]);
    expect(viaHome.code, viaHome.stderr).toBe(0);
    expect(viaHome.stdout).toBe(`${path.join(home, 'conf', 'custody.toml')}: ok\n`);
    writeFileSync(path.join(home, 'conf', 'custody.toml'), '[vault]\nreveal_seconds = "ten"\n');
    const broken = await custody(['config', 'check', '--home', home]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('vault.reveal_seconds:');
  }, 60_000);
});
