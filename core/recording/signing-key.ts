/**
 * The node's recording signing key: Ed25519, kept under keys/ beside the master key (never in the
 * data or recordings folder), created on first use. Manifests are signed with it; anyone holding
 * the public key (`custody recordings pubkey`) can check a recording without the master key.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256 } from './container-format.ts';

export interface SigningKey {
  /** PEM (SPKI) of the public key. */
  publicPem: string;
  /** SHA-256 of the public key's DER, hex: the name manifests give their signer. */
  fingerprint: string;
  sign(data: Buffer): Buffer;
}

export function fingerprintOf(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).toString('hex');
}

export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

export function verifySignature(publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

function fromPrivatePem(pem: string): SigningKey {
  const priv = createPrivateKey(pem);
  const pub = createPublicKey(priv);
  return {
    publicPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(pub),
    sign: (data) => sign(null, data, priv),
  };
}

/** Loads the key file, creating it (mode 0600, folder 0700) when there is none yet. */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  try {
    return fromPrivatePem(await fs.readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await fs.writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process created it first: theirs is the node's key.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return fromPrivatePem(await fs.readFile(file, 'utf8'));
}
