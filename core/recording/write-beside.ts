// Writes a file next to a recording whole or not at all: its own file because the desktop timeline
// and the screen index are both kept beside their recording the same way.
import { promises as fs } from 'node:fs';

/** Writes a file next to a recording: 0600, whole or not at all (a temporary name, then renamed). */
export async function writeBeside(file: string, data: Buffer, unique: string): Promise<void> {
  const tmp = `${file}.${unique}.tmp`;
  try {
    await fs.writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
