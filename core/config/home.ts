import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CustodyConfig } from './schema.ts';

/**
 * The home folder (CLI contract): `--home DIR`, else $CUSTODY_HOME, else the repository root, whose
 * own conf/, data/ and recordings/ then serve. Every relative path in the config is relative to it.
 */
export interface HomeLayout {
  home: string;
  configFile: string;
  dataDir: string;
  sqliteFile: string;
  keyFile: string;
  recordingsDir: string;
  logFile: string;
  hostKeyFile: string;
}

export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.CUSTODY_HOME ?? REPOSITORY_ROOT);
}

export function configFileOf(home: string): string {
  return path.join(home, 'conf', 'custody.toml');
}

export function layoutOf(home: string, config: CustodyConfig): HomeLayout {
  const abs = (p: string) => path.resolve(home, p);
  return {
    home,
    configFile: configFileOf(home),
    dataDir: path.join(home, 'data'),
    sqliteFile: abs(config.storage.sqlite_file),
    keyFile: abs(config.crypto.key_file),
    recordingsDir: abs(config.recordings.dir),
    logFile: path.join(home, 'logs', 'custody.log'),
    hostKeyFile: abs(config.server.host_key_file),
  };
}

/** True when `child` is `parent` or lies beneath it. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path of `p`: of the file itself when it exists, else of its nearest existing ancestor. */
export async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await fs.realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    return path.join(await realPathOf(parent), path.basename(abs));
  }
}

/**
 * The master key must not live in the data folder (nor beside the database), by its real path: a
 * `key_file` that is a symlink into the data folder, or a data folder that is a symlink to the
 * key's folder, counts too. Returns the folder it lies in, or undefined when it is kept apart.
 */
export async function keyFileInDataFolder(layout: HomeLayout): Promise<string | undefined> {
  const key = await realPathOf(layout.keyFile);
  for (const dir of [layout.dataDir, path.dirname(layout.sqliteFile)]) {
    if (isInside(key, await realPathOf(dir))) return dir;
  }
  return undefined;
}
