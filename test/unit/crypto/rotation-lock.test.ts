import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, takeRotationLock } from '../../../core/crypto/key-file.ts';
import { KeyError } from '../../../core/index.ts';

describe('rotation lock', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('refuses a second rotation while one runs, and takes over a dead one', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rotlock-'));
    const key = path.join(dir, 'custody.key');
    // A live process other than us holds the lock: pid 1 always exists.
    await writeFile(`${key}.rotate.lock`, '1');
    await expect(takeRotationLock(key)).rejects.toBeInstanceOf(KeyError);
    // A lock whose process is gone (a killed rotation) is taken over.
    await writeFile(`${key}.rotate.lock`, '999999999');
    const release = await takeRotationLock(key);
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes temp key files a killed write left behind, and nothing else', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rotlock-'));
    const key = path.join(dir, 'custody.key');
    await writeFile(key, '{}');
    await writeFile(`${key}.4242.tmp`, 'key material');
    await writeFile(path.join(dir, 'other.tmp'), 'x');
    await removeStaleTempFiles(key);
    expect((await readdir(dir)).sort()).toEqual(['custody.key', 'other.tmp']);
  });
});
