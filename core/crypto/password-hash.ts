import argon2 from 'argon2';
import type { Secret } from './secret.ts';

/**
 * Login passwords: Argon2id (memory-hard; RFC 9106). The encoded hash carries its own
 * parameters, so raising the cost later still verifies old hashes.
 */
export interface KdfParams {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

export const DEFAULT_KDF: KdfParams = { memoryKiB: 65536, timeCost: 3, parallelism: 1 };

export async function hashLoginPassword(password: Secret, params: KdfParams): Promise<string> {
  return argon2.hash(password.reveal(), {
    type: argon2.argon2id,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
}

export async function verifyLoginPassword(hash: string, password: Secret): Promise<boolean> {
  try {
    return await argon2.verify(hash, password.reveal());
  } catch {
    return false;
  }
}
