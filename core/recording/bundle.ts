/**
 * A recording bundle (`export --format bundle`), for a verifier on another machine with no master
 * key and no database: "CSTDBND1", u32 n, n bytes of JSON (the recording's id, who and when, and
 * the public key of the node that signed it), then the encrypted container exactly as stored,
 * manifest included. The public key inside is a convenience: a verifier that trusts only the key
 * `custody recordings pubkey` printed on the recording's node passes it explicitly.
 */
import { createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ValidationError } from '../errors.ts';
import { bufferSource } from './byte-source.ts';
import { verifyContainer, type VerifyReport } from './container-verify.ts';
import { fingerprintOf } from './signing-key.ts';

const MAGIC = Buffer.from('CSTDBND1', 'latin1');

export interface BundleHead {
  format: 'custody-recording-bundle';
  version: 1;
  id: string;
  user: string;
  target: string;
  protocol: string;
  startedAt: string;
  status: string;
  publicKey: string;
}

export function bundleHead(head: BundleHead): Buffer {
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, len, json]);
}

export function parseBundle(data: Buffer): { head: BundleHead; container: Buffer } {
  if (data.length < 12 || !data.subarray(0, 8).equals(MAGIC))
    throw new ValidationError('the file is not a recording bundle');
  const len = data.readUInt32BE(8);
  let head: BundleHead;
  try {
    head = JSON.parse(data.subarray(12, 12 + len).toString('utf8')) as BundleHead;
  } catch {
    throw new ValidationError('the bundle header is damaged');
  }
  if (head.format !== 'custody-recording-bundle' || typeof head.publicKey !== 'string')
    throw new ValidationError('the bundle header is damaged');
  return { head, container: data.subarray(12 + len) };
}

/**
 * Verifies a bundle offline. With `trustedPem` the manifest must be signed by that key; without,
 * by the key the bundle carries (the report names its fingerprint, to compare with the node's).
 */
export async function verifyBundleFile(
  file: string,
  trustedPem?: string,
): Promise<VerifyReport & { publicKey: string; trusted: boolean }> {
  const { head, container } = parseBundle(await fs.readFile(file));
  const pem = trustedPem ?? head.publicKey;
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ValidationError('the public key is not a PEM public key');
  }
  const report = await verifyContainer(head.id, bufferSource(container), { publicKey: key });
  return { ...report, publicKey: fingerprintOf(key), trusted: trustedPem !== undefined };
}
