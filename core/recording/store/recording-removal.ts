// Deleting a finished recording: its row first, then its files. Its own file because a file
// that cannot be removed must never undo the row's deletion (retention and purge rely on it).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { NotFoundError, ValidationError, firstLine } from '../../errors.ts';
import type { RecordingRow, Repos } from '../../storage/repos/index.ts';
import type { StoreParts } from './store-parts.ts';

/**
 * Deletes a finished recording: its row (with whatever `within` does in the same transaction —
 * the caller's audit row, the search index's lines), then every file of it. Authorisation and
 * audit are the caller's (retention, `custody recordings purge`). A file that cannot be removed
 * is logged and left, never fatal: the row is gone, so nothing lists or replays it.
 */
export async function removeRecording(
  store: StoreParts,
  id: string,
  within?: (repos: Repos) => Promise<void>,
): Promise<RecordingRow> {
  const row = await store.ctx.store.tx(async (r) => {
    const found = await r.recordings.byId(id);
    if (!found) throw new NotFoundError('recording', id);
    if (found.status === 'recording') throw new ValidationError(`recording '${id}' is still being written`);
    await within?.(r);
    await r.recordings.remove(id);
    return found;
  });
  const file = store.pathOf(row);
  const dir = path.dirname(file);
  const base = path.basename(file);
  try {
    // The cast and everything written beside it under its name (side index, screen index, …).
    const names = (await fs.readdir(dir)).filter((n) => n === base || n.startsWith(`${base}.`));
    await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true })));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      store.ctx.deps.logger.log('warn', 'cannot remove the files of a purged recording', {
        recording: id,
        error: firstLine(e),
      });
  }
  return row;
}
