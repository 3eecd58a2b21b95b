// Listing recordings: the rows the actor may see, newest first, with the live size of those
// still being written. Its own file because a live recording's size comes from its file, not its row.
import { promises as fs } from 'node:fs';
import type { Actor } from '../../authz/actor.ts';
import type { RecordingFilter, RecordingRow } from '../../storage/repos/index.ts';
import type { StoreParts } from './store-parts.ts';

/** Recordings, newest first (admins and auditors; password admins when the config lets them). */
export async function listRecordings(
  store: StoreParts,
  actor: Actor,
  filter: RecordingFilter,
): Promise<RecordingRow[]> {
  const { ctx } = store;
  return ctx.run(actor, 'recording.list', { kind: 'recording', name: 'list' }, async (s) => {
    ctx.authz.require(actor, 'recording.list');
    const rows = await s.repos.recordings.list({
      ...filter,
      limit: Math.min(Math.max(filter.limit ?? 100, 1), 10_000),
    });
    return Promise.all(rows.map((r) => withLiveBytes(store, r)));
  });
}

/**
 * A recording still being written has 0 bytes in its row until it closes: it shows the size of
 * its cast file so far instead (what is on disk, from whichever node writes it).
 */
async function withLiveBytes(store: StoreParts, row: RecordingRow): Promise<RecordingRow> {
  if (row.status !== 'recording') return row;
  try {
    return { ...row, bytes: Math.max(row.bytes, (await fs.stat(store.pathOf(row))).size) };
  } catch {
    return row; // not on this node's disk, or gone: the row's own figure
  }
}
