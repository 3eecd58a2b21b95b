import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, REPOSITORY_ROOT } from '../../../core/index.ts';

const shipped = readFileSync(path.join(REPOSITORY_ROOT, 'conf', 'custody.toml'), 'utf8');

describe('configuration', () => {
  it('the shipped conf/custody.toml is valid and frozen', () => {
    const c = parseConfig(shipped, 'custody.toml');
    expect(c.storage.driver).toBe('sqlite');
    expect(c.vault.reveal_seconds).toBe(10);
    expect(Object.isFrozen(c.storage)).toBe(true);
  });

  it.each([
    ['[storage]\nsqlite_fil = "x"', 'storage.sqlite_fil: unknown key'],
    ['colour = "blue"', 'colour: unknown key'],
    ['[server]\nssh_port = 70000', 'server.ssh_port:'],
    ['[server]\nssh_port = "22"', 'server.ssh_port:'],
    ['[storage]\ndriver = "mongodb"', 'storage.driver:'],
    ['[storage]\ndriver = "postgres"', 'storage.postgres_url: postgres_url is required'],
    [
      '[storage]\ndriver = "postgres"\npostgres_url = "postgres://u:secret@h/db"',
      'storage.postgres_url: must be a postgres:// URL without a password',
    ],
    ['[security]\nkdf_memory_kib = 1', 'security.kdf_memory_kib:'],
    ['[vault]\nreveal_seconds = 0', 'vault.reveal_seconds:'],
    ['[server\nssh_port = 1', 'TOML syntax error'],
  ])('rejects %j naming the key and the reason', (text, expected) => {
    let err: unknown;
    try {
      parseConfig(text, 'custody.toml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(expected);
    expect((err as ConfigError).message.startsWith('custody.toml')).toBe(true);
    expect((err as ConfigError).message).not.toContain('secret');
  });

  it('fills defaults for missing sections', () => {
    const c = parseConfig('', 'empty.toml');
    expect(c.crypto.key_file).toBe('keys/custody.key');
    expect(c.security.login_password_policy).toBe('Medium');
  });
});

describe('telnet prompt patterns', () => {
  it('ship as the connector defaults and reject an invalid expression with its key', () => {
    const c = parseConfig(shipped, 'custody.toml');
    expect(new RegExp(c.telnet.login_prompt, 'i').test('Debian login: ')).toBe(true);
    expect(new RegExp(c.telnet.password_prompt, 'i').test('Password: ')).toBe(true);
    expect(() => parseConfig("[telnet]\nlogin_prompt = '(unclosed'", 'c.toml')).toThrow(
      /telnet\.login_prompt: must be a valid regular expression/,
    );
  });
});
