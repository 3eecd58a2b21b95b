import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isInside, realPathOf, UsageError, type HomeLayout } from '../core/index.ts';

export interface SafeOutputOptions {
  /** Replace an existing regular file (never a symlink, the key file or the data folder). */
  force?: boolean;
  /** The node's layout: its key files and data folder are never written. */
  layout: HomeLayout;
}

/**
 * The one way a CLI command writes a file an operator names, so that a name (or a link planted
 * where it points) cannot make the node overwrite a file it did not mean to. It refuses:
 * - an existing file, unless `force`;
 * - a symlink (even with `force`): the link's target is not what the operator named;
 * - anything that is not a regular file (devices, FIFOs, folders);
 * - by real path, the master key file, the host key, the key folder, the data folder and the
 *   database's folder (even with `force`): overwriting the key makes every command fail `E_KEY`.
 * The content goes to a temp file beside the target (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600),
 * fsynced, then linked into place without `force` (fails if a file appeared meanwhile) or renamed
 * over the old file with it; a failed write leaves no partial file. Returns the absolute path.
 */
export async function writeOutputFile(
  file: string,
  o: SafeOutputOptions,
  write: (fh: FileHandle) => Promise<void>,
): Promise<string> {
  const target = path.resolve(file);
  await refuseUnsafeTarget(target, o);
  const dir = path.dirname(target);
  const tmp = path.join(
    dir,
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  let fh: FileHandle;
  try {
    fh = await fs.open(
      tmp,
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (e) {
    throw new UsageError(`cannot write ${target} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
      file: target,
    });
  }
  try {
    try {
      await write(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (o.force) {
      // rename replaces the directory entry: a symlink put there meanwhile is replaced, not followed.
      await fs.rename(tmp, target);
    } else {
      try {
        await fs.link(tmp, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(target);
        throw e;
      }
      await fs.rm(tmp, { force: true });
    }
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return target;
}

function existsError(target: string): UsageError {
  return new UsageError(`${target} exists: pass --force to replace it`, { file: target, reason: 'exists' });
}

async function refuseUnsafeTarget(target: string, o: SafeOutputOptions): Promise<void> {
  const st = await fs.lstat(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new UsageError(`cannot write ${target} (${e.code ?? 'error'})`, { file: target });
  });
  if (st?.isSymbolicLink())
    throw new UsageError(`${target} is a symbolic link: name the file itself`, {
      file: target,
      reason: 'symlink',
    });
  const real = await realPathOf(target);
  const l = o.layout;
  const keyFiles = [l.keyFile, l.hostKeyFile];
  for (const k of keyFiles) {
    const rk = await realPathOf(k);
    if (real === rk || real.startsWith(`${rk}.`))
      throw new UsageError(`${target} is a key file of this node: refusing to write it`, {
        file: target,
        reason: 'key-file',
      });
  }
  for (const d of [path.dirname(l.keyFile), l.dataDir, path.dirname(l.sqliteFile)]) {
    if (isInside(real, await realPathOf(d)))
      throw new UsageError(
        `${target} is inside ${d}, which holds this node's keys or data: refusing to write there`,
        {
          file: target,
          reason: 'protected-folder',
        },
      );
  }
  if (st && !st.isFile())
    throw new UsageError(`${target} is not a regular file`, { file: target, reason: 'not-a-file' });
  if (st && !o.force) throw existsError(target);
}
