import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyError } from '../errors.ts';
import { processAlive } from '../process-alive.ts';

/**
 * The master-key file: random 256-bit keys, kept apart from the data folder so a copy of the
 * database or a backup alone decrypts nothing. Old keys stay in the file after a rotation so older
 * backups remain readable.
 */
export interface KeyFileContents {
  format: 'custody-key/1';
  /** The key new secrets are sealed with once no rotation is in progress. */
  current: string;
  /** Set while `custody key rotate` runs: the key every secret is being moved to. */
  rotatingTo?: string;
  keys: { id: string; material: string; createdAt: string }[];
  /**
   * The audit key: the audit chain is an HMAC chain under it from row `fromSeq` on, so whoever can
   * write the database but not read this file cannot forge the chain. It is not a master key and
   * `custody key rotate` keeps it as it is, so every row stays verifiable. Missing only in key
   * files made before the chain was keyed (added at open).
   */
  audit?: { material: string; fromSeq: number; createdAt: string };
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

export function newAuditKey(now: Date, fromSeq: number): NonNullable<KeyFileContents['audit']> {
  return { material: randomBytes(KEY_BYTES).toString('base64'), fromSeq, createdAt: now.toISOString() };
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
  return parseKeyFile(text, file);
}

/** The key file's text, checked: what `readKeyFile` returns, for callers that already read it. */
export function parseKeyFile(text: string, file: string): KeyFileContents {
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
  if (
    v.audit !== undefined &&
    (Buffer.from(String(v.audit?.material), 'base64').length !== KEY_BYTES ||
      !Number.isInteger(v.audit?.fromSeq) ||
      v.audit.fromSeq < 1)
  ) {
    throw new KeyError(`master key file ${file} holds a malformed audit key`, { file });
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
  const contents: KeyFileContents = {
    format: 'custody-key/1',
    current: entry.id,
    keys: [entry],
    audit: newAuditKey(now, 1),
  };
  await writeKeyFile(file, contents);
  return contents;
}

/**
 * One rotation at a time: two runs that both read the key file before either wrote it would each
 * add a key and one of them would be lost, with rows already sealed under it. The lock is a file
 * created exclusively beside the key, holding the owner's pid; a lock whose process is gone is
 * taken over (a killed rotation must be resumable).
 */
export async function takeRotationLock(keyFile: string): Promise<() => Promise<void>> {
  const lock = `${keyFile}.rotate.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return async () => {
        await fs.rm(lock, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && processAlive(pid)) {
        throw new KeyError(`another key rotation is running (pid ${pid}); wait for it or stop it first`, {
          lock,
        });
      }
      await fs.rm(lock, { force: true });
    }
  }
  throw new KeyError(`cannot take the rotation lock ${lock}`, { lock });
}

/** Temp files a killed `writeKeyFile` left behind hold key material: remove them. */
export async function removeStaleTempFiles(keyFile: string): Promise<void> {
  const dir = path.dirname(keyFile);
  const base = path.basename(keyFile);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(`${base}.`) && name.endsWith('.tmp'))
      await fs.rm(path.join(dir, name), { force: true });
  }
}
