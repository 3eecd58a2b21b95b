import { randomBytes } from 'node:crypto';

/** A syntactically valid ed25519 public key line with random key bytes (nobody holds its private key). */
export function randomEd25519KeyLine(comment = 'test'): string {
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([
    Buffer.from([0, 0, 0, name.length]),
    name,
    Buffer.from([0, 0, 0, 32]),
    randomBytes(32),
  ]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
