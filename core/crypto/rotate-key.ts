import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../runtime.ts';
import type { Store } from '../storage/db.ts';
import { SECRET_COLUMNS } from '../storage/repos/index.ts';
import { aadFor } from './aad.ts';
import {
  newKeyEntry,
  readKeyFile,
  removeStaleTempFiles,
  takeRotationLock,
  writeKeyFile,
  type KeyFileContents,
} from './key-file.ts';
import { KeyError } from '../errors.ts';
import { Keyring } from './keyring.ts';

export interface RotationOptions {
  store: Store;
  keyFile: string;
  clock: Clock;
  auditLog: AuditLog;
  actor: { name: string; source: string };
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RotationResult {
  keyId: string;
  reencrypted: number;
  resumed: boolean;
}

/**
 * Re-encrypts every secret under a new master key, safe to kill at any point:
 *
 * 1. The new key is added to the key file *before* any row uses it, marked `rotatingTo`
 *    (atomic file replace), so every row is always readable with the keys in the file.
 * 2. Rows move in batches, one transaction each, with compare-and-set: a batch commits whole
 *    or not at all.
 * 3. Only when no row is left under another key does the file name the new key `current`.
 *    Old keys stay in the file so older backups remain readable.
 *
 * A rerun finds `rotatingTo` set and carries on with the same key instead of starting over.
 */
export async function rotateMasterKey(o: RotationOptions): Promise<RotationResult> {
  const release = await takeRotationLock(o.keyFile);
  try {
    return await rotateLocked(o);
  } finally {
    await release();
  }
}

async function rotateLocked(o: RotationOptions): Promise<RotationResult> {
  await removeStaleTempFiles(o.keyFile);
  let contents = await readKeyFile(o.keyFile);
  const resumed = contents.rotatingTo !== undefined;
  if (!resumed) {
    const entry = newKeyEntry(o.clock.now());
    contents = { ...contents, keys: [...contents.keys, entry], rotatingTo: entry.id };
    await writeKeyFile(o.keyFile, contents);
    await o.store.tx((repos) =>
      o.auditLog.append(repos, {
        type: 'key.rotate-start',
        actor: o.actor.name,
        source: o.actor.source,
        target: { kind: 'key', name: entry.id },
        result: 'success',
        details: { from: contents.current },
      }),
    );
  } else {
    // A run killed between writing the key file and its first audit row leaves no start event:
    // the resumed run records one, so every rotation on the trail has a start and a finish.
    await o.store.tx((repos) =>
      o.auditLog.append(repos, {
        type: 'key.rotate-start',
        actor: o.actor.name,
        source: o.actor.source,
        target: { kind: 'key', name: contents.rotatingTo! },
        result: 'success',
        details: { from: contents.current, resumed: true },
      }),
    );
  }
  const target = contents.rotatingTo!;
  const keyring = new Keyring(contents);
  const prefix = Keyring.sealedPrefixFor(target);

  let total = 0;
  for (const col of SECRET_COLUMNS)
    total += await o.store.read((r) => r.secrets.countNotSealedWith(col, prefix));
  let done = 0;
  o.onProgress?.(done, total);

  for (const col of SECRET_COLUMNS) {
    // A compare-and-set that lost to a concurrent write leaves its row behind; another pass
    // picks it up. With no node writing secrets meanwhile one pass does it all; a running node
    // (which may go on serving during a rotation) can leave a few rows for the next pass.
    for (let pass = 0; (await o.store.read((r) => r.secrets.countNotSealedWith(col, prefix))) > 0; pass++) {
      if (pass >= 3)
        throw new KeyError(
          `rows of ${col.table} keep changing during rotation: stop the server and run it again`,
        );
      let after: string[] | undefined;
      for (;;) {
        const batch = await o.store.tx(async (repos) => {
          const cells = await repos.secrets.notSealedWith(col, prefix, o.batchSize, after);
          // One statement per batch, not one per row: the per-row round trip, not the database's
          // work, was what bounded a rotation.
          const moved = cells.map((cell) => {
            const where = aadFor(col.table, col.column, cell.rowKey);
            const secret = keyring.open(cell.sealed, where);
            const sealed = keyring.seal(secret, where);
            secret.wipe();
            return { rowKey: cell.rowKey, expected: cell.sealed, sealed };
          });
          await repos.secrets.replaceMany(col, moved);
          return cells;
        });
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.cursor;
        done += batch.length;
        o.onProgress?.(Math.min(done, total), total);
      }
    }
  }

  // Everything else in the file (the audit key above all) is kept as it is.
  const { rotatingTo: _done, ...rest } = contents;
  const finished: KeyFileContents = { ...rest, current: target };
  await writeKeyFile(o.keyFile, finished);
  await o.store.tx((repos) =>
    o.auditLog.append(repos, {
      type: 'key.rotate-finish',
      actor: o.actor.name,
      source: o.actor.source,
      target: { kind: 'key', name: target },
      result: 'success',
      details: { reencrypted: done, resumed },
    }),
  );
  return { keyId: target, reencrypted: done, resumed };
}

/** Decrypts every stored secret once; used after rotation and by `custody key check`. */
export async function checkAllSecrets(
  store: Store,
  keyring: Keyring,
): Promise<{ checked: number; failed: string[] }> {
  let checked = 0;
  const failed: string[] = [];
  for (const col of SECRET_COLUMNS) {
    for (const cell of await store.read((r) => r.secrets.all(col))) {
      try {
        keyring.open(cell.sealed, aadFor(col.table, col.column, cell.rowKey)).wipe();
        checked++;
      } catch {
        failed.push(`${col.table}:${cell.rowKey.join(':')}`);
      }
    }
  }
  return { checked, failed };
}
