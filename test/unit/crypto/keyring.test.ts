import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyFile, readKeyFile } from '../../../core/crypto/key-file.ts';
import { Keyring } from '../../../core/crypto/keyring.ts';
import { CryptoError, KeyError, Secret } from '../../../core/index.ts';

describe('keyring and key file', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('seals with AES-256-GCM bound to the row identity', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keyring-'));
    const contents = await createKeyFile(path.join(dir, 'k.key'), new Date());
    const k = new Keyring(contents);
    const sealed = k.seal(Secret.fromString('hunter2-canary'), 'accounts.password_enc:1');
    expect(sealed.startsWith(`c1.${contents.current}.`)).toBe(true);
    expect(sealed).not.toContain('hunter2');
    expect(k.open(sealed, 'accounts.password_enc:1').reveal()).toBe('hunter2-canary');
    expect(() => k.open(sealed, 'accounts.password_enc:2')).toThrow(CryptoError);
    // Same plaintext twice gives different ciphertexts (random nonce).
    expect(k.seal(Secret.fromString('x'), 'a')).not.toBe(k.seal(Secret.fromString('x'), 'a'));
    // A flipped bit fails authentication.
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(() =>
      k.open([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'accounts.password_enc:1'),
    ).toThrow(CryptoError);
  });

  it('names a missing key file clearly, and writes it readable by its owner only', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keyring-'));
    await expect(readKeyFile(path.join(dir, 'missing.key'))).rejects.toThrow(KeyError);
    await expect(readKeyFile(path.join(dir, 'missing.key'))).rejects.toThrow(/will not start without it/);
    const file = path.join(dir, 'k.key');
    const c = await createKeyFile(file, new Date());
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(c.keys[0]!.material, 'base64')).toHaveLength(32);
    expect(JSON.parse(await readFile(file, 'utf8')).current).toBe(c.current);
  });

  it('a ciphertext from a key the file does not hold is a clear error', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keyring-'));
    const a = new Keyring(await createKeyFile(path.join(dir, 'a.key'), new Date()));
    const b = new Keyring(await createKeyFile(path.join(dir, 'b.key'), new Date()));
    expect(() => b.open(a.seal(Secret.fromString('x'), 'r'), 'r')).toThrow(
      /which the key file does not hold/,
    );
  });
});
