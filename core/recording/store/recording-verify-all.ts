// Checking recordings on demand (`custody recordings verify`): which rows, each one's report, and
// one audit row for the call. Its own file because the rows and keys are read in a short
// transaction and the files outside it, one recording at a time.
import { createPublicKey } from 'node:crypto';
import type { Actor } from '../../authz/actor.ts';
import { NotFoundError } from '../../errors.ts';
import type { RecordingRow } from '../../storage/repos/index.ts';
import type { VerifyReport } from '../container-verify.ts';
import { elsewhereReport } from '../recording-elsewhere.ts';
import { verifyRecording } from '../recording-verification.ts';
import type { StoreParts } from './store-parts.ts';

/**
 * Checks recordings (container-verify.ts): the chain, the chunk numbers, the manifest's
 * signature against this node's key and each chunk's authentication tag. `ids` undefined: every
 * recording, newest first. A recording made before encryption is `legacy`. Audited as
 * `recording.verify`, one row per call.
 */
export async function verifyRecordings(
  store: StoreParts,
  actor: Actor,
  ids?: readonly string[],
): Promise<VerifyReport[]> {
  const { ctx } = store;
  const target = { kind: 'recording', name: ids?.length === 1 ? ids[0]! : 'all' };
  // Rows and sealed keys in a short transaction; the files are read outside it.
  const items = await ctx.run(actor, 'recording.export', target, async (s) => {
    ctx.authz.require(actor, 'recording.export');
    const rows: RecordingRow[] = [];
    if (ids)
      for (const id of ids) {
        const row = await s.repos.recordings.byId(id);
        if (!row) throw new NotFoundError('recording', id);
        rows.push(row);
      }
    else rows.push(...(await s.repos.recordings.list({ limit: 1_000_000 })));
    return Promise.all(
      rows.map(async (row) => ({ row, sealed: await s.repos.recordings.sealedKeyOf(row.id) })),
    );
  });
  const publicKey = createPublicKey((await store.signer()).publicPem);
  const keyring = ctx.deps.keyring;
  const reports: VerifyReport[] = [];
  for (const { row, sealed } of items)
    reports.push(
      (await elsewhereReport(ctx, row, (r) => store.pathOf(r))) ??
        (await verifyRecording(row, store.pathOf(row), sealed, keyring, publicKey)),
    );
  const bad = reports.filter((r) => r.status === 'tampered');
  await ctx.run(actor, 'recording.export', target, (s) =>
    s.audit('recording.verify', target, {
      checked: reports.length,
      tampered: bad.length,
      ...(bad[0] ? { first: bad[0].id, reason: bad[0].reason } : {}),
    }),
  );
  return reports;
}
