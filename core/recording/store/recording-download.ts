// A recording downloaded in one of its formats: authorised, keyed, made (recording-export.ts)
// and audited. Its own file because the audit row must follow the decrypting pass that sizes the
// export, which runs outside the permission's transaction.
import type { Actor } from '../../authz/actor.ts';
import { exportOf } from '../recording-export.ts';
import type { RecordingExport, RecordingFormat } from '../recording-formats.ts';
import { authorisedRead } from './recording-access.ts';
import type { StoreParts } from './store-parts.ts';

/**
 * One recording, for download, in `format`; audited as `recording.export`. A recording made
 * before encryption exports as the plain cast it is (asciicast and raw only).
 */
export async function downloadRecording(
  store: StoreParts,
  actor: Actor,
  id: string,
  format: RecordingFormat,
  options: { at?: number },
): Promise<RecordingExport> {
  const { ctx } = store;
  const target = { kind: 'recording', name: id };
  // The permission and the key are settled in a short transaction; the decrypting pass that
  // sizes the export runs outside it (it can take seconds), and its audit row follows.
  const { file, row, key } = await ctx.run(actor, 'recording.export', target, async (s) => {
    const read = await authorisedRead(store, actor, id, format, s);
    return { ...read, key: await store.dataKeyOf(id, s.repos) };
  });
  const made = await exportOf(
    { openContainer: (r) => store.openContainer(r, key), signer: () => store.signer() },
    row,
    file,
    format,
    options,
  );
  await ctx.run(actor, 'recording.export', target, (s) =>
    s.audit('recording.export', target, {
      format,
      ...(made.at !== undefined ? { at: made.at } : {}),
      user: row.user,
      target: row.target,
      session: row.sessionId,
      bytes: made.bytes,
    }),
  );
  return { id, format, path: file, ...made };
}
