// Cross-node lookup for a recording this node cannot read: in a cluster whose nodes keep recordings
// on their own disks, a missing file may be on another node. Its own file because reading,
// exporting and verifying all ask the same question and give the same answer.
import { promises as fs } from 'node:fs';
import type { CoreContext } from '../context.ts';
import { ElsewhereError, StorageError } from '../errors.ts';
import type { RecordingRow } from '../storage/repos/index.ts';
import type { VerifyReport } from './container-verify.ts';

/**
 * The error for a recording whose file this node cannot read. In a cluster whose nodes each keep
 * recordings on their own disk, a recording made on another node is not missing, it is there:
 * say so, and what would let this node replay it.
 */
export async function unreadableError(
  ctx: CoreContext,
  row: RecordingRow,
  code: string,
): Promise<StorageError | ElsewhereError> {
  const holder =
    code === 'ENOENT' ? await ctx.deps.recordingHolder?.(row.sessionId).catch(() => undefined) : undefined;
  if (holder)
    return new ElsewhereError(
      `recording ${row.id} is held on node ${holder}'s disk; configure a shared recordings directory`,
      { recording: row.id, node: holder },
    );
  return new StorageError(`recording '${row.id}': file ${row.path} is unreadable (${code})`);
}

/**
 * A recording this node cannot check because its file is on another node's own disk: reported
 * as such, not as a missing (tampered) file.
 */
export async function elsewhereReport(
  ctx: CoreContext,
  row: RecordingRow,
  pathOf: (row: RecordingRow) => string,
): Promise<VerifyReport | undefined> {
  if (!ctx.deps.recordingHolder) return undefined;
  const missing = await fs.stat(pathOf(row)).then(
    () => false,
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
  );
  if (!missing) return undefined;
  const e = await unreadableError(ctx, row, 'ENOENT');
  if (!(e instanceof ElsewhereError)) return undefined;
  return { id: row.id, status: 'elsewhere', reason: e.message, chunks: 0, lastT: 0 };
}
