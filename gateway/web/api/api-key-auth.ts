import { AuthError, Secret, type Actor, type SystemOps } from '../../../core/index.ts';

/** Longer than any key by far: a longer header is refused before it is looked at. */
const MAX_AUTHORIZATION = 200;

/**
 * The actor for a request's `Authorization: Bearer KEY` header, from the socket's address.
 * Missing, not Bearer, or not a key: E_AUTH without a lookup; otherwise core decides (and audits
 * a refusal with its reason). The client hears the same 401 in every case.
 */
export async function authenticateApiKey(
  system: Pick<SystemOps, 'authenticateApiKey'>,
  authorization: string | undefined,
  address: string,
): Promise<Actor> {
  if (!authorization) throw new AuthError('an API key is required: Authorization: Bearer KEY');
  if (authorization.length > MAX_AUTHORIZATION) throw new AuthError('invalid API key');
  const m = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!m) throw new AuthError('an API key is required: Authorization: Bearer KEY');
  const key = Secret.fromString(m[1]!);
  try {
    return await system.authenticateApiKey(key, address);
  } finally {
    key.wipe();
  }
}
