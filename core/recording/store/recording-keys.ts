// A recording's data key: made and sealed for its row when it starts, unsealed when it is read.
// Its own file because both directions must use the same keyring binding (the recording's id).
import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../../context.ts';
import type { Repos } from '../../storage/repos/index.ts';
import { aad } from '../../crypto/aad.ts';
import { Secret } from '../../crypto/secret.ts';

/** The recording's own data key, unsealed (undefined for a recording made before encryption). */
export async function dataKeyOf(ctx: CoreContext, id: string, repos?: Repos): Promise<Buffer | undefined> {
  const sealed = repos
    ? await repos.recordings.sealedKeyOf(id)
    : await ctx.store.read((r) => r.recordings.sealedKeyOf(id));
  if (!sealed) return undefined;
  const secret = ctx.deps.keyring.open(sealed, aad.recordingKey(id));
  const key = secret.revealBytes();
  secret.wipe();
  return key;
}

/** A new recording's data key, and the same key sealed for its row. */
export function newDataKey(ctx: CoreContext, id: string): { dataKey: Buffer; sealedKey: string } {
  const dataKey = randomBytes(32);
  const secret = Secret.fromBytes(dataKey);
  const sealedKey = ctx.deps.keyring.seal(secret, aad.recordingKey(id));
  secret.wipe();
  return { dataKey, sealedKey };
}
