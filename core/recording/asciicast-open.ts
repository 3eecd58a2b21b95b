/**
 * Opening the plain (unsealed) asciicast files: the cast and its side index, created exclusively
 * with mode 0600. Its own file because it is file-system setup, apart from what the writer writes.
 */
import type { FileHandle } from 'node:fs/promises';
import { promises as fs } from 'node:fs';
import { INDEX_SUFFIX } from './index-format.ts';
import { PlainSink, type RecordingSink } from './recording-sink.ts';

const defaultOpen = async (p: string): Promise<FileHandle> => {
  const fh = await fs.open(p, 'wx', 0o600);
  await fh.chmod(0o600); // whatever the umask
  return fh;
};

/** Opens the plain asciicast files (cast and side index) through `open`. */
export async function openPlainSink(
  castPath: string,
  open: (path: string) => Promise<FileHandle> = defaultOpen,
): Promise<RecordingSink> {
  const cast = await open(castPath);
  let index: FileHandle;
  try {
    index = await open(castPath + INDEX_SUFFIX);
  } catch (e) {
    await cast.close().catch(() => undefined);
    throw e;
  }
  return new PlainSink(cast, index);
}

export { defaultOpen as openExclusive };
