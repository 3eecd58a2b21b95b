import { readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../core/index.ts';

/**
 * `HOME/run/server.json` (mode 0600): where the node running on this home listens, so `custody
 * console` dials the real port (`server --ssh-port 2322`, or 0) rather than the configured one.
 * Written once the SSH port is bound, removed at exit; a file whose pid is gone is ignored.
 */
export interface RuntimeInfo {
  pid: number;
  host: string;
  sshPort: number;
  /** Where the HTTPS listener is bound, when it is on (`custody web link` builds its URL from it). */
  webHost?: string;
  webPort?: number;
  startedAt: string;
}

export function runtimeFileOf(home: string): string {
  return path.join(home, 'run', 'server.json');
}

export async function writeRuntimeFile(home: string, info: RuntimeInfo): Promise<void> {
  const file = runtimeFileOf(home);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(info) + '\n', { mode: 0o600 });
}

/** Removes the file if it is still this process's (a newer node may have replaced it). */
export function removeRuntimeFile(home: string, pid: number = process.pid): void {
  if (readRuntimeFile(home, { anyPid: true })?.pid === pid) rmSync(runtimeFileOf(home), { force: true });
}

export function readRuntimeFile(home: string, o: { anyPid?: boolean } = {}): RuntimeInfo | null {
  let info: Partial<RuntimeInfo>;
  try {
    info = JSON.parse(readFileSync(runtimeFileOf(home), 'utf8')) as Partial<RuntimeInfo>;
  } catch {
    return null;
  }
  if (!Number.isInteger(info.pid) || !Number.isInteger(info.sshPort) || typeof info.host !== 'string')
    return null;
  if (!o.anyPid && !processAlive(info.pid!)) return null;
  return info as RuntimeInfo;
}
