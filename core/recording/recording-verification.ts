/**
 * Verifying one stored recording (recording-store.ts authorises, reads the rows and audits): a
 * legacy plain cast is reported as such; a container is checked by container-verify.ts with the
 * node's public key and, when its sealed data key opens, every chunk's authentication tag too.
 */
import type { KeyObject } from 'node:crypto';
import { aad } from '../crypto/aad.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { RecordingRow } from '../storage/repos/index.ts';
import { openFileSource } from './byte-source.ts';
import { CONTAINER_SUFFIX } from './container-format.ts';
import { isContainer } from './container-scan.ts';
import { verifyContainer, type VerifyReport } from './container-verify.ts';

export async function verifyRecording(
  row: RecordingRow,
  file: string,
  sealedKey: string | null,
  keyring: Keyring,
  publicKey: KeyObject,
): Promise<VerifyReport> {
  const bad = (reason: string): VerifyReport => ({
    id: row.id,
    status: 'tampered',
    reason,
    chunks: 0,
    lastT: 0,
    firstBad: 0,
  });
  const src = await openFileSource(file).catch(() => undefined);
  if (!src) return bad('the recording file is missing');
  try {
    if (!(await isContainer(src))) {
      if (row.path.endsWith(CONTAINER_SUFFIX)) return bad('the file is not a custody recording (replaced)');
      return {
        id: row.id,
        status: 'legacy',
        reason: 'legacy recording (plain asciicast made before recordings were signed): not signed',
        chunks: 0,
        lastT: 0,
      };
    }
    let dataKey: Buffer | undefined;
    if (sealedKey) {
      try {
        const secret = keyring.open(sealedKey, aad.recordingKey(row.id));
        dataKey = secret.revealBytes();
        secret.wipe();
      } catch {
        return bad('its data key does not open (the row was edited or moved)');
      }
    }
    return await verifyContainer(row.id, src, { publicKey, dataKey, rowStatus: row.status });
  } finally {
    await src.close();
  }
}
