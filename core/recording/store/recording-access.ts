// Reaching a recording's bytes: the permission check, row look-up and size that every read
// (download, replay, desktop player) starts with, and opening its container with its key. Its own
// file because every way of reading a recording passes through these two steps.
import { promises as fs } from 'node:fs';
import type { Actor } from '../../authz/actor.ts';
import type { OpScope } from '../../context.ts';
import { NotFoundError, StorageError, ValidationError } from '../../errors.ts';
import type { RecordingRow } from '../../storage/repos/index.ts';
import { openFileSource } from '../byte-source.ts';
import { OpenedContainer } from '../container-reader.ts';
import { isContainer } from '../container-scan.ts';
import { unreadableError } from '../recording-elsewhere.ts';
import { RECORDING_FORMATS, type RecordingFormat } from '../recording-formats.ts';
import type { StoreParts } from './store-parts.ts';

/** A recording's container opened with its key, or undefined for a legacy (plain) recording. */
export async function openContainer(
  store: StoreParts,
  row: RecordingRow,
  knownKey?: Buffer,
): Promise<OpenedContainer | undefined> {
  const file = store.pathOf(row);
  const src = await openFileSource(file);
  if (!src) throw await unreadableError(store.ctx, row, 'ENOENT');
  try {
    if (!(await isContainer(src))) {
      await src.close();
      return undefined;
    }
    const key = knownKey ?? (await store.dataKeyOf(row.id));
    if (!key) throw new StorageError(`recording '${row.id}': its data key is missing`);
    return await OpenedContainer.open(src, key);
  } catch (e) {
    await src.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The permission to read recordings, the row and the size of its file; with `audit`, the
 * `recording.export` row in the same operation.
 */
export async function authorisedRead(
  store: StoreParts,
  actor: Actor,
  id: string,
  format: RecordingFormat | 'desktop',
  s: OpScope,
  audit = false,
): Promise<{ file: string; bytes: number; row: RecordingRow }> {
  store.ctx.authz.require(actor, 'recording.export');
  if (format !== 'desktop' && !RECORDING_FORMATS.includes(format))
    throw new ValidationError(
      `unknown recording format '${String(format)}' (known: ${RECORDING_FORMATS.join(', ')})`,
    );
  const row = await s.repos.recordings.byId(id);
  if (!row) throw new NotFoundError('recording', id);
  const file = store.pathOf(row);
  let bytes: number;
  try {
    bytes = (await fs.stat(file)).size;
  } catch (e) {
    throw await unreadableError(store.ctx, row, (e as NodeJS.ErrnoException).code ?? 'error');
  }
  if (audit)
    await s.audit(
      'recording.export',
      { kind: 'recording', name: id },
      { format, user: row.user, target: row.target, session: row.sessionId, bytes },
    );
  return { file, bytes, row };
}
