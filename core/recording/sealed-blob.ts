/**
 * A whole file sealed with a recording's data key (the screen index of an encrypted recording):
 * "CSTDBLB1", a 12-byte nonce, then AES-256-GCM ciphertext and tag, with the recording id and the
 * file's role as associated data, so a screen index copied beside another recording does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const MAGIC = Buffer.from('CSTDBLB1', 'latin1');

const aadOf = (id: string, role: string) => Buffer.from(`custody-recording:${id}:${role}`, 'utf8');

export function sealBlob(key: Buffer, id: string, role: string, data: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aadOf(id, role));
  return Buffer.concat([MAGIC, nonce, c.update(data), c.final(), c.getAuthTag()]);
}

/** The data, or undefined when the file is not one sealed for this recording and role. */
export function openBlob(key: Buffer, id: string, role: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < MAGIC.length + 28 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  try {
    const nonce = sealed.subarray(MAGIC.length, MAGIC.length + 12);
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aadOf(id, role));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(MAGIC.length + 12, sealed.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}
