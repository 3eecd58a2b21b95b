import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';

export interface ParsedPublicKey {
  algorithm: string;
  blob: Buffer;
  comment: string;
  /** OpenSSH style: `SHA256:` + unpadded base64 of the SHA-256 of the key blob. */
  fingerprint: string;
  line: string;
}

const ALGORITHMS = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parses one `authorized_keys`-style line (no options): `ALGORITHM BASE64 [COMMENT]`. */
export function parsePublicKey(line: string): ParsedPublicKey {
  const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?\s*$/.exec(line);
  if (!m || !ALGORITHMS.includes(m[1]!)) {
    throw new ValidationError(`not an OpenSSH public key (expected '${ALGORITHMS[0]} AAAA… comment')`, {
      field: 'key',
    });
  }
  const blob = Buffer.from(m[2]!, 'base64');
  // The blob starts with its own algorithm name (RFC 4253 §6.6): it must agree with the prefix.
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (nameLength <= 0 || nameLength > 64 || blob.subarray(4, 4 + nameLength).toString('latin1') !== m[1]) {
    throw new ValidationError('public key data does not match its algorithm', { field: 'key' });
  }
  const comment = (m[3] ?? '').slice(0, 200);
  return {
    algorithm: m[1]!,
    blob,
    comment,
    fingerprint: fingerprintOf(blob),
    line: `${m[1]} ${m[2]}${comment ? ` ${comment}` : ''}`,
  };
}
