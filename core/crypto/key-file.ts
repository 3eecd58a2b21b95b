import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyError } from '../errors.ts';

/**
 * The master-key file (seed-notes A §4.1): random 256-bit keys, kept apart from the data folder
 * so a copy of the database or a backup alone decrypts nothing. Old keys stay in the file after a
 * rotation (A §4.2 step 5) so older backups remain readable.
 */
export interface KeyFileContents {
  format: 'custody-key/1';
  /** The key new secrets are sealed with once no rotation is in progress. */
  current: string;
  /** Set while `custody key rotate` runs: the key every secret is being moved to. */
  rotatingTo?: string;
  keys: { id: string; material: string; createdAt: string }[];
}

export const KEY_BYTES = 32;

export function newKeyId(): string {
  return randomBytes(4).toString('hex');
}

export function newKeyEntry(now: Date): KeyFileContents['keys'][number] {
  return {
    id: newKeyId(),
    material: randomBytes(KEY_BYTES).toString('base64'),
    createdAt: now.toISOString(),
  };
}

export async function readKeyFile(file: string): Promise<KeyFileContents> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyError(
      code === 'ENOENT'
        ? `master key file ${file} is missing: Custody will not start without it (run 'custody init' or restore the key)`
        : `master key file ${file} cannot be read (${code ?? 'error'})`,
      { file },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyError(`master key file ${file} is not valid JSON`, { file });
  }
  return checkKeyFile(parsed, file);
}

function checkKeyFile(value: unknown, file: string): KeyFileContents {
  const v = value as Partial<KeyFileContents>;
  if (v?.format !== 'custody-key/1' || !Array.isArray(v.keys) || typeof v.current !== 'string') {
    throw new KeyError(`master key file ${file} has an unknown format`, { file });
  }
  for (const k of v.keys) {
    if (typeof k?.id !== 'string' || Buffer.from(String(k.material), 'base64').length !== KEY_BYTES) {
      throw new KeyError(`master key file ${file} holds a malformed key`, { file });
    }
  }
  const ids = new Set(v.keys.map((k) => k.id));
  if (!ids.has(v.current) || (v.rotatingTo !== undefined && !ids.has(v.rotatingTo))) {
    throw new KeyError(`master key file ${file} names a key it does not contain`, { file });
  }
  return v as KeyFileContents;
}

/**
 * Atomic replace: write a sibling temp file, fsync it, rename over the old file, fsync the
 * directory. A crash leaves either the old or the new file, never a torn one — key rotation
 * depends on that.
 */
export async function writeKeyFile(file: string, contents: KeyFileContents): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(contents, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  const dirHandle = await fs.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

export async function createKeyFile(file: string, now: Date): Promise<KeyFileContents> {
  const entry = newKeyEntry(now);
  const contents: KeyFileContents = { format: 'custody-key/1', current: entry.id, keys: [entry] };
  await writeKeyFile(file, contents);
  return contents;
}
