// The master key is kept apart from the data folder at every open, not only at init: a key file
// moved into the data folder afterwards, or a key path that is a symlink into it, stops the open
// with E_CONFIG, so no backup of the data folder also carries the key.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CustodyError, openCore } from '../../core/index.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

let v: TestVault;
let home: string;

beforeEach(async () => {
  v = await createTestVault();
  home = v.home;
  await v.core.close();
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function openError(): Promise<CustodyError> {
  const e = await openCore({ home }).then(
    async (o) => {
      await o.core.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CustodyError);
  return e as CustodyError;
}

it('an untouched home opens', async () => {
  const o = await openCore({ home });
  await o.core.close();
});

it('a key_file configured inside the data folder after init is refused at open', async () => {
  await rename(path.join(home, 'keys', 'custody.key'), path.join(home, 'data', 'custody.key'));
  const conf = path.join(home, 'conf', 'custody.toml');
  const text = await readFile(conf, 'utf8');
  expect(text).toContain('key_file = "keys/custody.key"');
  await writeFile(conf, text.replace('key_file = "keys/custody.key"', 'key_file = "data/custody.key"'));
  const e = await openError();
  expect(e.code).toBe('E_CONFIG');
  expect(e.message).toMatch(/crypto\.key_file: the master key must not live in the data folder/);
});

it('a key_file that is a symlink into the data folder is refused at open', async () => {
  const real = path.join(home, 'data', 'custody.key');
  await rename(path.join(home, 'keys', 'custody.key'), real);
  await symlink(real, path.join(home, 'keys', 'custody.key'));
  const e = await openError();
  expect(e.code).toBe('E_CONFIG');
  expect(e.details).toMatchObject({ reason: 'key-in-data-folder' });
});

it('a data folder that is a symlink to the key folder is refused at open', async () => {
  // data/ -> keys/: the database now sits beside the key, and both go into one backup.
  await rename(path.join(home, 'data', 'custody.sqlite'), path.join(home, 'keys', 'custody.sqlite'));
  await rm(path.join(home, 'data'), { recursive: true, force: true });
  await symlink(path.join(home, 'keys'), path.join(home, 'data'));
  const e = await openError();
  expect(e.code).toBe('E_CONFIG');
});
